-- AlterTable
ALTER TABLE "dg_event_log" ADD COLUMN     "hash_version" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "recorded_by" TEXT;

-- AlterTable
ALTER TABLE "dg_workflow_items" ADD COLUMN     "approvals" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "requested_by" TEXT,
ADD COLUMN     "required_approvals" INTEGER NOT NULL DEFAULT 1;
