-- CreateTable
CREATE TABLE "dg_webhook_endpoints" (
    "tenant_id" TEXT NOT NULL,
    "endpoint_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT,
    "secret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "disabled_reason" TEXT,
    "categories" TEXT[],
    "consecutive_failures" INTEGER NOT NULL,
    "failing_since" TIMESTAMPTZ(3),
    "disabled_count" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dg_webhook_endpoints_pkey" PRIMARY KEY ("tenant_id","endpoint_id")
);

-- CreateTable
CREATE TABLE "dg_webhook_deliveries" (
    "tenant_id" TEXT NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "endpoint_id" TEXT NOT NULL,
    "notification_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempt_count" INTEGER NOT NULL,
    "next_attempt_at" TIMESTAMPTZ(3),
    "first_attempt_at" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_response_status" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dg_webhook_deliveries_pkey" PRIMARY KEY ("tenant_id","delivery_id")
);

-- CreateTable
CREATE TABLE "dg_webhook_attempts" (
    "tenant_id" TEXT NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "attempt_number" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "response_status" INTEGER,
    "response_body" TEXT,
    "error" TEXT,

    CONSTRAINT "dg_webhook_attempts_pkey" PRIMARY KEY ("tenant_id","delivery_id","attempt_number")
);

-- CreateIndex
CREATE INDEX "dg_webhook_endpoints_tenant_id_created_at_idx" ON "dg_webhook_endpoints"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "dg_webhook_deliveries_tenant_id_endpoint_id_created_at_deli_idx" ON "dg_webhook_deliveries"("tenant_id", "endpoint_id", "created_at", "delivery_id");

-- CreateIndex
CREATE INDEX "dg_webhook_deliveries_status_next_attempt_at_idx" ON "dg_webhook_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "dg_webhook_deliveries_tenant_id_endpoint_id_notification_id_key" ON "dg_webhook_deliveries"("tenant_id", "endpoint_id", "notification_id");

-- AddForeignKey
ALTER TABLE "dg_webhook_deliveries" ADD CONSTRAINT "dg_webhook_deliveries_tenant_id_endpoint_id_fkey" FOREIGN KEY ("tenant_id", "endpoint_id") REFERENCES "dg_webhook_endpoints"("tenant_id", "endpoint_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dg_webhook_attempts" ADD CONSTRAINT "dg_webhook_attempts_tenant_id_delivery_id_fkey" FOREIGN KEY ("tenant_id", "delivery_id") REFERENCES "dg_webhook_deliveries"("tenant_id", "delivery_id") ON DELETE CASCADE ON UPDATE CASCADE;
