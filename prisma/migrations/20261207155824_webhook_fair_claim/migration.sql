-- CreateIndex
CREATE INDEX "dg_webhook_deliveries_tenant_id_status_next_attempt_at_idx" ON "dg_webhook_deliveries"("tenant_id", "status", "next_attempt_at");
