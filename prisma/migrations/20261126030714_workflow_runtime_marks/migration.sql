-- The workflow cursor becomes one row per append instead of one row per tenant, so that a tenant's
-- concurrent workflow appends no longer wait on one row's lock (see runtimeAdvanceCte). Existing
-- rows stay valid: each is the tenant's greatest. A build from before this migration cannot write
-- its cursor (its upsert names the old key): upgrade with `strategy: Recreate` (README, Production).

-- AlterTable
ALTER TABLE "dg_workflow_runtime" DROP CONSTRAINT "dg_workflow_runtime_pkey",
ADD CONSTRAINT "dg_workflow_runtime_pkey" PRIMARY KEY ("tenant_id", "last_applied_log_seq");
