-- CreateTable
CREATE TABLE "dg_change_stream" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "status" TEXT,
    "version" INTEGER,
    "updated_at" TIMESTAMPTZ(3),
    "notification_seq" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dg_change_stream_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "dg_change_stream_tenant_id_id_idx" ON "dg_change_stream"("tenant_id", "id");

-- CreateIndex
CREATE INDEX "dg_workflow_items_tenant_id_requested_by_requested_at_workf_idx" ON "dg_workflow_items"("tenant_id", "requested_by", "requested_at" DESC, "workflow_id" DESC);

-- Hand-written below (Prisma cannot express triggers).

-- Each statement that writes items or notifications adds one row per changed item or new
-- notification (one INSERT … SELECT from the transition table) and one notification on the channel
-- dg_change_stream, which PostgreSQL sends at commit (and only then) to every listening instance,
-- collapsed to one per transaction. The payload is empty: a listener reads the rows by id
-- (ChangeStreamReader), so a NOTIFY lost with a dropped connection costs latency, never data.
--
-- Readers rely on this: a row's id is taken by a transaction that already holds a transaction id
-- (the trigger runs after the item or notification was written), so a gap in the ids read under a
-- snapshot belongs to a transaction listed in that snapshot as running, or to one rolled back.
CREATE FUNCTION dg_change_stream_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "dg_change_stream" (tenant_id, kind, workflow_id, status, version, updated_at)
  SELECT tenant_id, 'workflow.changed', workflow_id, status, version, updated_at FROM changed_items ORDER BY tenant_id, workflow_id;
  IF FOUND THEN
    PERFORM pg_notify('dg_change_stream', '');
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER dg_workflow_items_stream_inserts AFTER INSERT ON "dg_workflow_items"
  REFERENCING NEW TABLE AS changed_items FOR EACH STATEMENT EXECUTE FUNCTION dg_change_stream_items();
CREATE TRIGGER dg_workflow_items_stream_updates AFTER UPDATE ON "dg_workflow_items"
  REFERENCING NEW TABLE AS changed_items FOR EACH STATEMENT EXECUTE FUNCTION dg_change_stream_items();

CREATE FUNCTION dg_change_stream_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "dg_change_stream" (tenant_id, kind, workflow_id, notification_seq)
  SELECT tenant_id, 'notification.created', workflow_id, seq FROM new_notifications ORDER BY seq;
  IF FOUND THEN
    PERFORM pg_notify('dg_change_stream', '');
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER dg_workflow_notifications_stream_inserts AFTER INSERT ON "dg_workflow_notifications"
  REFERENCING NEW TABLE AS new_notifications FOR EACH STATEMENT EXECUTE FUNCTION dg_change_stream_notifications();
