-- Hand-written (Prisma cannot express partial or GIN indexes).
--
-- The inbox summary's awaiting_approval_count (SPEC §11.4) counted the open items the caller has
-- not voted on (nor, under §11.3, requested) by reading every open item of the tenant: 100k rows,
-- hundreds of milliseconds, at 1M items. It is now the tenant's open count (kept by the counters)
-- minus the open items the caller has voted on or requested, which these two partial indexes find
-- without reading the others: the cost follows the caller's own votes and requests.

-- Open items by the votes they hold: `approvals @> '[{"account_id": …}]'`.
CREATE INDEX "dg_workflow_items_open_approvals_idx" ON "dg_workflow_items" USING gin ("approvals" jsonb_path_ops)
  WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated');

-- Open items by who requested them.
CREATE INDEX "dg_workflow_items_open_requested_by_idx" ON "dg_workflow_items" ("tenant_id", "requested_by")
  WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated');
