-- GET /api/v1/workflows?only_open=false pages every item of the tenant in inbox order: the open
-- overdue items first (the partial dg_workflow_items_open_inbox_idx walks those), then all others by
-- priority_rank, requested_at, workflow_id. No index held all items in that order, so the second
-- branch read and sorted every item of the tenant to keep one page: about a second at 1M items
-- (bench/README.md, "Workflow"). With this index it walks them in order and stops after the page,
-- stepping over the open overdue items, which the first branch returns.

-- CreateIndex
CREATE INDEX "dg_workflow_items_inbox_order_idx" ON "dg_workflow_items"("tenant_id", "priority_rank", "requested_at", "workflow_id");
