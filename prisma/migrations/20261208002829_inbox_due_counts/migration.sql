-- CreateTable
CREATE TABLE "dg_workflow_due_counts" (
    "seq" BIGSERIAL NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "due_day" INTEGER NOT NULL,
    "n" BIGINT NOT NULL,

    CONSTRAINT "dg_workflow_due_counts_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "dg_workflow_due_counts_tenant_id_due_day_idx" ON "dg_workflow_due_counts"("tenant_id", "due_day");

-- Hand-written below (Prisma cannot express triggers).
--
-- The inbox summary's overdue_count (SPEC §6.4) was an index-only count of every overdue open item
-- of the tenant, on every inbox page: 20,000 index entries, about 4 ms of the statement's 4.6 ms, at
-- 1M items of which 2% overdue (bench/README.md, "Workflow"). It is now the sum of this table's
-- rows for the days before today (UTC), plus an index-only count of the items due earlier today,
-- so its cost follows the days with open items and today's overdue items.
--
-- Kept like dg_workflow_counts (migration 20261126005857_inbox_counts): writers only insert change
-- rows (tenant, day, ±n), so concurrent writers of a tenant never wait on each other, and about one
-- write in 64 folds the tenant's rows, one per day, under the same try-lock as the counts' fold, so
-- a rebuild of inbox_counts that holds that lock excludes both folds.

-- Folds a tenant's rows into one per day, dropping the days that sum to zero.
CREATE FUNCTION dg_workflow_due_counts_compact(p_tenant text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed'
     OR NOT pg_try_advisory_xact_lock(1684494179, hashtext(p_tenant)) THEN
    RETURN;
  END IF;
  WITH gone AS (DELETE FROM dg_workflow_due_counts WHERE tenant_id = p_tenant RETURNING due_day, n)
  INSERT INTO dg_workflow_due_counts (tenant_id, due_day, n)
  SELECT p_tenant, due_day, sum(n) FROM gone GROUP BY due_day HAVING sum(n) <> 0;
END;
$$;

-- The UTC day of a due time, in days since 1970-01-01 (the inbox summary computes today's the same
-- way). Immutable all through (the epoch of an interval, not of a timestamptz), so that PostgreSQL
-- inlines it into the statements that call it instead of running a function per row.
CREATE FUNCTION dg_due_day(p_at timestamptz) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT floor(extract(epoch FROM p_at - TIMESTAMPTZ '1970-01-01 00:00:00+00') / 86400)::int
$$;

-- Inserts and deletes are counted once per statement, over the open items among the rows; an
-- update once per row, and only when the row enters or leaves the open statuses, or an open row
-- moves to another day (or tenant). Writers only insert change rows; about one write statement in
-- 64 folds the tenants it wrote.
CREATE FUNCTION dg_workflow_items_due_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO dg_workflow_due_counts (tenant_id, due_day, n)
    SELECT tenant_id, dg_due_day(sla_due_at), count(*) FROM inserted_items
    WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated') GROUP BY 1, 2;
    IF random() < 1.0 / 64 THEN
      FOR t IN SELECT DISTINCT tenant_id FROM inserted_items LOOP
        PERFORM dg_workflow_due_counts_compact(t);
      END LOOP;
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO dg_workflow_due_counts (tenant_id, due_day, n)
    SELECT tenant_id, dg_due_day(sla_due_at), -count(*) FROM deleted_items
    WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated') GROUP BY 1, 2;
    IF random() < 1.0 / 64 THEN
      FOR t IN SELECT DISTINCT tenant_id FROM deleted_items LOOP
        PERFORM dg_workflow_due_counts_compact(t);
      END LOOP;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO dg_workflow_due_counts (tenant_id, due_day, n)
    SELECT c.tenant_id, c.due_day, sum(c.n) FROM (VALUES
      (OLD.tenant_id, dg_due_day(OLD.sla_due_at),
        CASE WHEN OLD.status IN ('requested', 'in_review', 'changes_requested', 'escalated') THEN -1 ELSE 0 END),
      (NEW.tenant_id, dg_due_day(NEW.sla_due_at),
        CASE WHEN NEW.status IN ('requested', 'in_review', 'changes_requested', 'escalated') THEN 1 ELSE 0 END)
    ) AS c(tenant_id, due_day, n)
    GROUP BY 1, 2 HAVING sum(c.n) <> 0;
    IF random() < 1.0 / 64 THEN
      PERFORM dg_workflow_due_counts_compact(NEW.tenant_id);
    END IF;
  ELSE -- TRUNCATE: no item is left
    DELETE FROM dg_workflow_due_counts;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER dg_workflow_items_due_count_inserts AFTER INSERT ON "dg_workflow_items"
  REFERENCING NEW TABLE AS inserted_items FOR EACH STATEMENT EXECUTE FUNCTION dg_workflow_items_due_count();
CREATE TRIGGER dg_workflow_items_due_count_deletes AFTER DELETE ON "dg_workflow_items"
  REFERENCING OLD TABLE AS deleted_items FOR EACH STATEMENT EXECUTE FUNCTION dg_workflow_items_due_count();
CREATE TRIGGER dg_workflow_items_due_count_moves AFTER UPDATE OF tenant_id, status, sla_due_at ON "dg_workflow_items"
  FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.sla_due_at IS DISTINCT FROM NEW.sla_due_at)
  EXECUTE FUNCTION dg_workflow_items_due_count();
CREATE TRIGGER dg_workflow_items_due_count_truncates AFTER TRUNCATE ON "dg_workflow_items"
  FOR EACH STATEMENT EXECUTE FUNCTION dg_workflow_items_due_count();

-- Backfill. Writers that started before the triggers existed finish before the lock is granted;
-- whatever the triggers recorded until then is dropped and counted again here.
DO $$
BEGIN
  LOCK TABLE "dg_workflow_items" IN SHARE MODE;
  DELETE FROM dg_workflow_due_counts;
  INSERT INTO dg_workflow_due_counts (tenant_id, due_day, n)
  SELECT tenant_id, dg_due_day(sla_due_at), count(*) FROM "dg_workflow_items"
  WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated')
  GROUP BY 1, 2;
END;
$$;
