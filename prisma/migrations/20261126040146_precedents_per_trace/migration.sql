-- Precedents are read one row per trace (findPrecedents), finished traces that evaluated no policy
-- included: each finished trace gets a row for its TraceFinished (no policy), and every row keeps
-- its event's log_seq and the TraceFinished's, which pick a trace's row and order traces finished
-- at the same time, most recently recorded first.

-- AlterTable
ALTER TABLE "dg_precedents" ADD COLUMN "finished_log_seq" BIGINT,
ADD COLUMN "log_seq" BIGINT,
ALTER COLUMN "policy_id" DROP NOT NULL,
ALTER COLUMN "policy_version" DROP NOT NULL;

-- Backfill from the log: the rows' own events, then a row per TraceFinished, then the finish's log_seq.
UPDATE "dg_precedents" p SET "log_seq" = e."log_seq"
FROM "dg_event_log" e
WHERE e."tenant_id" = p."tenant_id" AND e."event_id" = p."event_id";

INSERT INTO "dg_precedents" ("tenant_id", "trace_id", "event_id", "event_type", "workflow", "title", "entity_type", "entity_id",
  "policy_id", "policy_version", "outcome", "finished_at", "log_seq")
SELECT e."tenant_id", e."trace_id", e."event_id", e."event_type", s."workflow", s."title", s."primary_entity_type",
  s."primary_entity_id", NULL, NULL, s."outcome", s."finished_at", e."log_seq"
FROM "dg_event_log" e
JOIN "dg_trace_summaries" s ON s."tenant_id" = e."tenant_id" AND s."trace_id" = e."trace_id"
WHERE e."event_type" = 'TraceFinished' AND s."finished_at" IS NOT NULL
ON CONFLICT DO NOTHING;

UPDATE "dg_precedents" p SET "finished_log_seq" = f."log_seq"
FROM "dg_precedents" f
WHERE f."tenant_id" = p."tenant_id" AND f."trace_id" = p."trace_id" AND f."event_type" = 'TraceFinished';

ALTER TABLE "dg_precedents" ALTER COLUMN "finished_log_seq" SET NOT NULL,
ALTER COLUMN "log_seq" SET NOT NULL;
