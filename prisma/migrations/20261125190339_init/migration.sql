-- CreateTable
CREATE TABLE "dg_event_log" (
    "log_seq" BIGSERIAL NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "trace_id" TEXT NOT NULL,
    "trace_seq" INTEGER NOT NULL,
    "event_type" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL,
    "producer_id" TEXT NOT NULL,
    "source" JSONB NOT NULL,
    "actor" JSONB NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "correlation_id" TEXT,
    "causation_event_id" TEXT,
    "schema_version" INTEGER NOT NULL,
    "tags" TEXT[],
    "payload" JSONB NOT NULL,
    "payload_hash" TEXT NOT NULL,
    "prev_event_hash" TEXT,
    "event_hash" TEXT NOT NULL,

    CONSTRAINT "dg_event_log_pkey" PRIMARY KEY ("log_seq")
);

-- CreateTable
CREATE TABLE "dg_trace_summaries" (
    "tenant_id" TEXT NOT NULL,
    "trace_id" TEXT NOT NULL,
    "workflow" TEXT,
    "title" TEXT,
    "primary_entity_type" TEXT,
    "primary_entity_system" TEXT,
    "primary_entity_id" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "outcome" TEXT,
    "event_count" INTEGER NOT NULL,
    "last_log_seq" BIGINT NOT NULL,
    "last_trace_seq" INTEGER NOT NULL,
    "last_event_hash" TEXT NOT NULL,

    CONSTRAINT "dg_trace_summaries_pkey" PRIMARY KEY ("tenant_id","trace_id")
);

-- CreateTable
CREATE TABLE "dg_precedents" (
    "tenant_id" TEXT NOT NULL,
    "trace_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "workflow" TEXT,
    "title" TEXT,
    "entity_type" TEXT,
    "entity_id" TEXT,
    "policy_id" TEXT NOT NULL,
    "policy_version" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "finished_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dg_precedents_pkey" PRIMARY KEY ("tenant_id","trace_id","event_id")
);

-- CreateIndex
CREATE INDEX "dg_event_log_tenant_id_log_seq_idx" ON "dg_event_log"("tenant_id", "log_seq");

-- CreateIndex
CREATE INDEX "dg_event_log_tenant_id_event_type_log_seq_idx" ON "dg_event_log"("tenant_id", "event_type", "log_seq");

-- CreateIndex
CREATE UNIQUE INDEX "dg_event_log_tenant_id_event_id_key" ON "dg_event_log"("tenant_id", "event_id");

-- CreateIndex
CREATE UNIQUE INDEX "dg_event_log_tenant_id_trace_id_trace_seq_key" ON "dg_event_log"("tenant_id", "trace_id", "trace_seq");

-- CreateIndex
CREATE UNIQUE INDEX "dg_event_log_tenant_id_producer_id_idempotency_key_key" ON "dg_event_log"("tenant_id", "producer_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "dg_precedents_tenant_id_finished_at_idx" ON "dg_precedents"("tenant_id", "finished_at" DESC);

-- The decision log is append-only (SPEC §5.4): the database itself refuses UPDATE and DELETE.
CREATE FUNCTION "dg_event_log_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'dg_event_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "dg_event_log_append_only"
  BEFORE UPDATE OR DELETE ON "dg_event_log"
  FOR EACH ROW EXECUTE FUNCTION "dg_event_log_refuse_change"();

CREATE TRIGGER "dg_event_log_no_truncate"
  BEFORE TRUNCATE ON "dg_event_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "dg_event_log_refuse_change"();
