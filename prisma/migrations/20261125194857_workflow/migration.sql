-- CreateTable
CREATE TABLE "dg_workflow_runtime" (
    "tenant_id" TEXT NOT NULL,
    "last_applied_log_seq" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dg_workflow_runtime_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateTable
CREATE TABLE "dg_workflow_items" (
    "tenant_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "trace_id" TEXT NOT NULL,
    "workflow_kind" TEXT NOT NULL,
    "workflow_name" TEXT NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "priority" TEXT NOT NULL,
    "priority_rank" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "policy_id" TEXT,
    "policy_version" TEXT,
    "requested_by_actor" JSONB,
    "assigned_account_id" TEXT,
    "assigned_role" TEXT,
    "claimed_by_account_id" TEXT,
    "requested_at" TIMESTAMPTZ(3) NOT NULL,
    "sla_due_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    "last_action_type" TEXT,
    "last_action_at" TIMESTAMPTZ(3),
    "current_decision" TEXT,
    "current_reason" TEXT,
    "approval_event_id" TEXT,
    "created_from_event_id" TEXT NOT NULL,
    "last_source_log_seq" BIGINT NOT NULL,
    "escalation_count" INTEGER NOT NULL,
    "metadata" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "last_action_hash" TEXT,
    "action_count" INTEGER NOT NULL,

    CONSTRAINT "dg_workflow_items_pkey" PRIMARY KEY ("tenant_id","workflow_id")
);

-- CreateTable
CREATE TABLE "dg_workflow_actions" (
    "tenant_id" TEXT NOT NULL,
    "action_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "action_type" TEXT NOT NULL,
    "actor" JSONB NOT NULL,
    "note" TEXT,
    "payload" JSONB NOT NULL,
    "source_event_id" TEXT,
    "resulting_status" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "prev_action_hash" TEXT,
    "action_hash" TEXT NOT NULL,

    CONSTRAINT "dg_workflow_actions_pkey" PRIMARY KEY ("tenant_id","action_id")
);

-- CreateTable
CREATE TABLE "dg_workflow_notifications" (
    "seq" BIGSERIAL NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "notification_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "recipient_account_id" TEXT,
    "recipient_role" TEXT,
    "message" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dg_workflow_notifications_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "dg_workflow_action_requests" (
    "tenant_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dg_workflow_action_requests_pkey" PRIMARY KEY ("tenant_id","workflow_id","idempotency_key")
);

-- CreateIndex
CREATE INDEX "dg_workflow_items_tenant_id_trace_id_idx" ON "dg_workflow_items"("tenant_id", "trace_id");

-- CreateIndex
CREATE INDEX "dg_workflow_items_tenant_id_status_priority_rank_requested__idx" ON "dg_workflow_items"("tenant_id", "status", "priority_rank", "requested_at", "workflow_id");

-- CreateIndex
CREATE INDEX "dg_workflow_items_tenant_id_sla_due_at_idx" ON "dg_workflow_items"("tenant_id", "sla_due_at");

-- CreateIndex
CREATE UNIQUE INDEX "dg_workflow_actions_tenant_id_workflow_id_seq_key" ON "dg_workflow_actions"("tenant_id", "workflow_id", "seq");

-- CreateIndex
CREATE INDEX "dg_workflow_notifications_tenant_id_workflow_id_seq_idx" ON "dg_workflow_notifications"("tenant_id", "workflow_id", "seq");

-- CreateIndex
CREATE INDEX "dg_workflow_notifications_tenant_id_seq_idx" ON "dg_workflow_notifications"("tenant_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "dg_workflow_notifications_tenant_id_dedupe_key_key" ON "dg_workflow_notifications"("tenant_id", "dedupe_key");

-- CreateIndex
CREATE UNIQUE INDEX "dg_workflow_notifications_tenant_id_notification_id_key" ON "dg_workflow_notifications"("tenant_id", "notification_id");
