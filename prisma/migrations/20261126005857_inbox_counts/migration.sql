-- CreateTable
CREATE TABLE "dg_workflow_counts" (
    "seq" BIGSERIAL NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "items" BIGINT NOT NULL,
    "requested" BIGINT NOT NULL,
    "in_review" BIGINT NOT NULL,
    "changes_requested" BIGINT NOT NULL,
    "escalated" BIGINT NOT NULL,
    "approved" BIGINT NOT NULL,
    "rejected" BIGINT NOT NULL,
    "overridden" BIGINT NOT NULL,
    "notifications" BIGINT NOT NULL,

    CONSTRAINT "dg_workflow_counts_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "dg_workflow_counts_tenant_id_idx" ON "dg_workflow_counts"("tenant_id");

-- Hand-written below (Prisma cannot express partial indexes or triggers).

-- The open items in inbox order. The page reads overdue and not-overdue items in two branches,
-- each walking this index in order and stopping after a page; sla_due_at is a key column so that
-- the overdue test is decided on the index entry, without visiting the row.
CREATE INDEX "dg_workflow_items_open_inbox_idx" ON "dg_workflow_items" ("tenant_id", "priority_rank", "requested_at", "workflow_id", "sla_due_at")
  WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated');

-- The same for one reviewer's queue (assigned_account_id).
CREATE INDEX "dg_workflow_items_open_account_idx" ON "dg_workflow_items" ("tenant_id", "assigned_account_id", "priority_rank", "requested_at", "workflow_id", "sla_due_at")
  WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated');

-- The summary's overdue_count, which depends on the clock: an index-only count of the overdue items.
CREATE INDEX "dg_workflow_items_open_due_idx" ON "dg_workflow_items" ("tenant_id", "sla_due_at")
  WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated');

-- Folds a tenant's rows of dg_workflow_counts into one. Skipped while another transaction folds the
-- same tenant (try-lock), so no writer ever waits on a fold; and outside READ COMMITTED, where a
-- fold racing another could fail with a serialization error.
CREATE FUNCTION dg_workflow_counts_compact(p_tenant text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed'
     OR NOT pg_try_advisory_xact_lock(1684494179, hashtext(p_tenant)) THEN
    RETURN;
  END IF;
  WITH gone AS (DELETE FROM dg_workflow_counts WHERE tenant_id = p_tenant RETURNING *)
  INSERT INTO dg_workflow_counts (tenant_id, items, requested, in_review, changes_requested, escalated, approved, rejected, overridden, notifications)
  SELECT p_tenant, sum(items), sum(requested), sum(in_review), sum(changes_requested), sum(escalated), sum(approved), sum(rejected), sum(overridden), sum(notifications)
  FROM gone HAVING count(*) > 0;
END;
$$;

-- Records changes: one row per tenant for the changes given, where a change is (tenant, kind, n) with
-- kind an item status or 'notification' and n +1 or −1. Writers only insert, so concurrent writers of
-- one tenant never wait on each other (a counter row updated in place would be held until commit,
-- and the SLA sweep takes trace locks after changing items: a deadlock waiting to happen).
CREATE FUNCTION dg_workflow_counts_add(p_tenant text[], p_kind text[], p_n int[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOR t IN
    INSERT INTO dg_workflow_counts (tenant_id, items, requested, in_review, changes_requested, escalated, approved, rejected, overridden, notifications)
    SELECT d.tenant_id,
      coalesce(sum(d.n) FILTER (WHERE d.kind <> 'notification'), 0),
      coalesce(sum(d.n) FILTER (WHERE d.kind = 'requested'), 0),
      coalesce(sum(d.n) FILTER (WHERE d.kind = 'in_review'), 0),
      coalesce(sum(d.n) FILTER (WHERE d.kind = 'changes_requested'), 0),
      coalesce(sum(d.n) FILTER (WHERE d.kind = 'escalated'), 0),
      coalesce(sum(d.n) FILTER (WHERE d.kind = 'approved'), 0),
      coalesce(sum(d.n) FILTER (WHERE d.kind = 'rejected'), 0),
      coalesce(sum(d.n) FILTER (WHERE d.kind = 'overridden'), 0),
      coalesce(sum(d.n) FILTER (WHERE d.kind = 'notification'), 0)
    FROM unnest(p_tenant, p_kind, p_n) AS d(tenant_id, kind, n)
    GROUP BY d.tenant_id
    RETURNING tenant_id
  LOOP
    -- About one write in 64 folds the tenant's rows, so that a read sums a few dozen rows.
    IF random() < 1.0 / 64 THEN
      PERFORM dg_workflow_counts_compact(t);
    END IF;
  END LOOP;
END;
$$;

-- Inserts and deletes are counted once per statement (a bulk insert adds one row per tenant);
-- a status change once per row, and only when the status (or tenant) really changes.
CREATE FUNCTION dg_workflow_items_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM dg_workflow_counts_add(array_agg(tenant_id), array_agg(status), array_agg(1)) FROM inserted_items;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM dg_workflow_counts_add(array_agg(tenant_id), array_agg(status), array_agg(-1)) FROM deleted_items;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM dg_workflow_counts_add(ARRAY[OLD.tenant_id, NEW.tenant_id], ARRAY[OLD.status, NEW.status], ARRAY[-1, 1]);
  ELSE -- TRUNCATE: take back every item counted, keep the notifications
    INSERT INTO dg_workflow_counts (tenant_id, items, requested, in_review, changes_requested, escalated, approved, rejected, overridden, notifications)
    SELECT tenant_id, -sum(items), -sum(requested), -sum(in_review), -sum(changes_requested), -sum(escalated), -sum(approved), -sum(rejected), -sum(overridden), 0
    FROM dg_workflow_counts GROUP BY tenant_id;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER dg_workflow_items_count_inserts AFTER INSERT ON "dg_workflow_items"
  REFERENCING NEW TABLE AS inserted_items FOR EACH STATEMENT EXECUTE FUNCTION dg_workflow_items_count();
CREATE TRIGGER dg_workflow_items_count_deletes AFTER DELETE ON "dg_workflow_items"
  REFERENCING OLD TABLE AS deleted_items FOR EACH STATEMENT EXECUTE FUNCTION dg_workflow_items_count();
CREATE TRIGGER dg_workflow_items_count_moves AFTER UPDATE OF tenant_id, status ON "dg_workflow_items"
  FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION dg_workflow_items_count();
CREATE TRIGGER dg_workflow_items_count_truncates AFTER TRUNCATE ON "dg_workflow_items"
  FOR EACH STATEMENT EXECUTE FUNCTION dg_workflow_items_count();

CREATE FUNCTION dg_workflow_notifications_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM dg_workflow_counts_add(array_agg(tenant_id), array_agg('notification'::text), array_agg(1)) FROM inserted_notifications;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM dg_workflow_counts_add(array_agg(tenant_id), array_agg('notification'::text), array_agg(-1)) FROM deleted_notifications;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM dg_workflow_counts_add(ARRAY[OLD.tenant_id, NEW.tenant_id], ARRAY['notification', 'notification'], ARRAY[-1, 1]);
  ELSE -- TRUNCATE: take back every notification counted, keep the items
    INSERT INTO dg_workflow_counts (tenant_id, items, requested, in_review, changes_requested, escalated, approved, rejected, overridden, notifications)
    SELECT tenant_id, 0, 0, 0, 0, 0, 0, 0, 0, -sum(notifications) FROM dg_workflow_counts GROUP BY tenant_id;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER dg_workflow_notifications_count_inserts AFTER INSERT ON "dg_workflow_notifications"
  REFERENCING NEW TABLE AS inserted_notifications FOR EACH STATEMENT EXECUTE FUNCTION dg_workflow_notifications_count();
CREATE TRIGGER dg_workflow_notifications_count_deletes AFTER DELETE ON "dg_workflow_notifications"
  REFERENCING OLD TABLE AS deleted_notifications FOR EACH STATEMENT EXECUTE FUNCTION dg_workflow_notifications_count();
CREATE TRIGGER dg_workflow_notifications_count_moves AFTER UPDATE OF tenant_id ON "dg_workflow_notifications"
  FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id) EXECUTE FUNCTION dg_workflow_notifications_count();
CREATE TRIGGER dg_workflow_notifications_count_truncates AFTER TRUNCATE ON "dg_workflow_notifications"
  FOR EACH STATEMENT EXECUTE FUNCTION dg_workflow_notifications_count();

-- Backfill. Writers that started before the triggers existed finish before the lock is granted;
-- whatever the triggers recorded until then is dropped and counted again here.
DO $$
BEGIN
  LOCK TABLE "dg_workflow_items", "dg_workflow_notifications" IN SHARE MODE;
  DELETE FROM dg_workflow_counts;
  INSERT INTO dg_workflow_counts (tenant_id, items, requested, in_review, changes_requested, escalated, approved, rejected, overridden, notifications)
  SELECT tenant_id, count(*),
    count(*) FILTER (WHERE status = 'requested'), count(*) FILTER (WHERE status = 'in_review'),
    count(*) FILTER (WHERE status = 'changes_requested'), count(*) FILTER (WHERE status = 'escalated'),
    count(*) FILTER (WHERE status = 'approved'), count(*) FILTER (WHERE status = 'rejected'),
    count(*) FILTER (WHERE status = 'overridden'), 0
  FROM "dg_workflow_items" GROUP BY tenant_id;
  INSERT INTO dg_workflow_counts (tenant_id, items, requested, in_review, changes_requested, escalated, approved, rejected, overridden, notifications)
  SELECT tenant_id, 0, 0, 0, 0, 0, 0, 0, 0, count(*) FROM "dg_workflow_notifications" GROUP BY tenant_id;
END;
$$;
