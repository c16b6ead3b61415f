-- AlterTable
ALTER TABLE "dg_workflow_items" ADD COLUMN     "separation_of_duties" BOOLEAN,
ADD COLUMN     "sla_escalation_step" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "sla_next_check_at" TIMESTAMPTZ(3),
ADD COLUMN     "sla_paused_at" TIMESTAMPTZ(3),
ADD COLUMN     "sla_policy" JSONB,
ADD COLUMN     "sla_warnings_sent" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "workflow_policy_id" TEXT,
ADD COLUMN     "workflow_policy_version" INTEGER;

-- CreateTable
CREATE TABLE "dg_definition_versions" (
    "tenant_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "definition_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "definition" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "created_by" TEXT,
    "retired_at" TIMESTAMPTZ(3),

    CONSTRAINT "dg_definition_versions_pkey" PRIMARY KEY ("tenant_id","kind","definition_id","version")
);

-- CreateIndex
CREATE INDEX "dg_workflow_items_sla_next_check_at_idx" ON "dg_workflow_items"("sla_next_check_at");
