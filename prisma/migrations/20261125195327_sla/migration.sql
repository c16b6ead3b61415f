-- DropIndex
DROP INDEX "dg_workflow_items_tenant_id_sla_due_at_idx";

-- AlterTable
ALTER TABLE "dg_workflow_items" ADD COLUMN     "deadline_risk_notified_for" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "dg_workflow_items_status_sla_due_at_idx" ON "dg_workflow_items"("status", "sla_due_at");
