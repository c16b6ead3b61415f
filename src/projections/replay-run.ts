import { canonicalJson } from '../common/canonical-json';

export const REPLAY_MODES = ['verify', 'catch_up', 'rebuild'] as const;
export type ReplayMode = (typeof REPLAY_MODES)[number];
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A run stores at most this many mismatches; mismatch_count counts them all. */
export const MAX_STORED_MISMATCHES = 100;

export type Mismatch = {
  projection_name: string;
  key: Record<string, unknown>;
  /** The fields that differ; every field of the row when it is missing on one side. */
  fields: string[];
  /** The row as the log gives it (null: the model has a row the log does not). */
  expected: Record<string, unknown> | null;
  /** The row the model holds (null: missing). */
  actual: Record<string, unknown> | null;
};

/** A dg_replay_runs row as Prisma reads it. */
export type RunRow = {
  tenant_id: string;
  job_id: string;
  projection_name: string;
  mode: string;
  status: string;
  reason: string;
  requested_by: string;
  since_log_seq: bigint | null;
  until_log_seq: bigint | null;
  events_total: bigint;
  events_processed: bigint;
  mismatch_count: number;
  mismatches: unknown;
  digest_before: string | null;
  digest_after: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  phase: string;
  cursor_log_seq: bigint;
  horizon_log_seq: bigint | null;
  lease_owner: string | null;
  lease_until: Date | null;
  attempts: number;
};

const num = (v: bigint | null) => (v === null ? null : Number(v));

/** The run as the API shows it (SPEC §16). */
export function runJson(r: RunRow) {
  return {
    job_id: r.job_id,
    tenant_id: r.tenant_id,
    projection_name: r.projection_name,
    mode: r.mode,
    status: r.status,
    reason: r.reason,
    requested_by: r.requested_by,
    since_log_seq: num(r.since_log_seq),
    until_log_seq: num(r.until_log_seq),
    events_total: Number(r.events_total),
    events_processed: Number(r.events_processed),
    mismatch_count: r.mismatch_count,
    mismatches: r.mismatches as Mismatch[],
    digest_before: r.digest_before,
    digest_after: r.digest_after,
    error: r.error,
    created_at: r.created_at.toISOString(),
    started_at: r.started_at?.toISOString() ?? null,
    finished_at: r.finished_at?.toISOString() ?? null,
  };
}
export type RunJson = ReturnType<typeof runJson>;

/** A mismatch between the row the log gives and the row the model holds. */
export function mismatchOf(
  projection: string,
  key: Record<string, unknown>,
  expected: Record<string, unknown> | null,
  actual: Record<string, unknown> | null,
): Mismatch {
  const names = new Set([...Object.keys(expected ?? {}), ...Object.keys(actual ?? {})]);
  const fields = [...names]
    .filter((f) => !expected || !actual || canonicalJson(expected[f] ?? null) !== canonicalJson(actual[f] ?? null))
    .sort();
  return { projection_name: projection, key, fields, expected, actual };
}
