-- CreateTable
CREATE TABLE "dg_replay_runs" (
    "tenant_id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "projection_name" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "since_log_seq" BIGINT,
    "until_log_seq" BIGINT,
    "events_total" BIGINT NOT NULL DEFAULT 0,
    "events_processed" BIGINT NOT NULL DEFAULT 0,
    "mismatch_count" INTEGER NOT NULL DEFAULT 0,
    "mismatches" JSONB NOT NULL DEFAULT '[]',
    "digest_before" TEXT,
    "digest_after" TEXT,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "phase" TEXT NOT NULL DEFAULT 'fold',
    "cursor_log_seq" BIGINT NOT NULL DEFAULT 0,
    "horizon_log_seq" BIGINT,
    "lease_owner" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "dg_replay_runs_pkey" PRIMARY KEY ("tenant_id","job_id")
);

-- CreateTable
CREATE TABLE "dg_projection_shadow" (
    "job_id" TEXT NOT NULL,
    "projection_name" TEXT NOT NULL,
    "k" TEXT NOT NULL,
    "key" JSONB NOT NULL,
    "row" JSONB,
    "state" JSONB,

    CONSTRAINT "dg_projection_shadow_pkey" PRIMARY KEY ("job_id","projection_name","k")
);

-- CreateTable
CREATE TABLE "dg_projection_states" (
    "tenant_id" TEXT NOT NULL,
    "projection_name" TEXT NOT NULL,
    "digest" TEXT,
    "digest_log_seq" BIGINT,
    "verified_at" TIMESTAMPTZ(3),
    "open_failures" INTEGER NOT NULL DEFAULT 0,
    "last_job_id" TEXT,

    CONSTRAINT "dg_projection_states_pkey" PRIMARY KEY ("tenant_id","projection_name")
);

-- CreateIndex
CREATE INDEX "dg_replay_runs_status_created_at_idx" ON "dg_replay_runs"("status", "created_at");

-- CreateIndex
CREATE INDEX "dg_replay_runs_tenant_id_created_at_job_id_idx" ON "dg_replay_runs"("tenant_id", "created_at" DESC, "job_id" DESC);

-- Hand-written below: a timestamp in the form the API and toISOString() write, so that a read
-- model's row compared in SQL (src/projections/read-models.ts) reads as the fold writes it.
CREATE FUNCTION dg_iso(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
