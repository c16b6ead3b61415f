import { type Db } from '../database/prisma.service';
import { withTransactionRetry } from '../database/transaction-retry';
import { RowDigest } from './projection-digest';
import {
  applyShadowPageSql,
  deleteExtrasSql,
  expectedCountsSql,
  LIVE_BRANCHES,
  liveExtrasSql,
  type LiveRange,
  liveRowsSql,
  type ReadModelName,
  rebuildCountsSql,
  rebuildDueCountsSql,
  shadowPageSql,
} from './read-models';
import { MAX_STORED_MISMATCHES, type Mismatch, mismatchOf, type RunRow } from './replay-run';

// A replay run's work on the models themselves (SPEC §16, docs/decisions/0005-replay-runs.md):
// comparing a model's expected rows (the run's shadow) with its live rows, the shadow's digest,
// and writing the shadow into the live tables. ReplayRunnerService decides when, in which
// transaction and under which locks; these only read and write.

/** Rows per page when a digest or a comparison streams a model. */
const PAGE = 1000;
/**
 * A rebuild's statements outside the feed key, each its own transaction, run again when they
 * lose a deadlock to an append (one that locks rows of several traces) or a serialization check.
 */
export const ALONE = { attempts: 5, baseDelayMs: 50 };

/** The models whose rows a rebuild writes at the horizon outside the feed key (ReplayRunnerService.finishRebuild). */
export type Paged = 'trace_summary' | 'precedents';
export const isPaged = (m: ReadModelName): m is Paged => m === 'trace_summary' || m === 'precedents';

/**
 * Which rows a comparison covers: `horizon` skips live rows written above it (verify, and a
 * rebuild's write at its horizon); `keys` limits it to those shadow keys and `range` the live
 * rows it looks for extras among (a rebuild's locked tail; null: none).
 */
export type Scope = { horizon: bigint | null; keys?: string[]; range?: LiveRange | null };

/** `extras`: the live rows the log does not have (counted in mismatchCount too). */
export type ModelResult = { digest: string; mismatches: Mismatch[]; mismatchCount: number; extras: number };

/** Mismatches found so far: the first ones and how many. */
export type Found = { mismatches: Mismatch[]; count: number };

/** A live row as a comparison reads it (read-models.ts). */
type Live = { k: string; key: Record<string, unknown>; row: Record<string, unknown> | null; pos: bigint | null };

/** A shadow row with the live row at its key (read-models.ts, shadowPageSql). */
type ShadowPageRow = {
  k: string;
  key: Record<string, unknown>;
  row: Record<string, unknown>;
  present: boolean;
  same: boolean;
  live_row: Live['row'];
  pos: bigint | null;
};

/** The digest of a model's shadow rows in key order, one keyset page per statement. */
export async function shadowDigest(db: Db, run: RunRow, model: Paged): Promise<string> {
  const digest = new RowDigest();
  let after = '';
  for (;;) {
    const page = await db.$queryRaw<{ k: string; row: Record<string, unknown> }[]>`
      SELECT k, row FROM dg_projection_shadow
      WHERE job_id = ${run.job_id} AND projection_name = ${model} AND k > ${after} AND row IS NOT NULL
      ORDER BY k LIMIT ${PAGE}`;
    for (const r of page) digest.add(r.row);
    if (page.length < PAGE) return digest.finish();
    after = page[page.length - 1].k;
  }
}

/** Rebuild: writes the rows that differ, deletes the rows the log does not have (`extras`). */
export async function replaceModel(tx: Db, run: RunRow, model: ReadModelName, extras: number): Promise<void> {
  if (isPaged(model)) {
    await applyShadow(tx, run, model, true);
    if (extras > 0) await tx.$executeRaw(deleteExtrasSql(model, run.tenant_id, run.job_id));
  }
  if (model === 'inbox_counts') {
    await tx.$executeRaw(rebuildCountsSql(run.tenant_id));
    await tx.$executeRaw(rebuildDueCountsSql(run.tenant_id));
  }
}

/**
 * Writes the shadow into the live table one keyset page per statement (read-models.ts,
 * applyShadowPageSql, which `scope` goes to). With `renew` (a rebuild's write at its horizon,
 * outside a transaction), each statement is run again if it loses a deadlock, and `renew` runs
 * after each page.
 */
export async function applyShadow(
  db: Db,
  run: RunRow,
  model: Paged,
  exact: boolean,
  scope: { keys?: string[]; horizon?: bigint } = {},
  renew?: () => Promise<void>,
): Promise<void> {
  let after = '';
  for (;;) {
    const sql = applyShadowPageSql(model, run.tenant_id, run.job_id, exact, run.since_log_seq, after, PAGE, scope);
    const write = () => db.$queryRaw<{ last: string | null; n: bigint }[]>(sql);
    const [page] = renew ? await withTransactionRetry(write, ALONE) : await write();
    if (page.last === null || Number(page.n) < PAGE) return;
    after = page.last;
    await renew?.();
  }
}

/**
 * The model's expected rows (the shadow) against its live rows, in constant memory and linear
 * time: the expected rows in key order (their digest), one keyset page per statement, each row
 * joined to its live row by primary key; then, per live table, the rows the log does not have,
 * counted by one anti-join and the first of them read in the table's key order. With a horizon,
 * live rows written above it (by appends since) are not compared. inbox_counts is one row,
 * compared with its sources in one statement (one snapshot).
 */
export async function compareModel(tx: Db, run: RunRow, model: ReadModelName, scope: Scope): Promise<ModelResult> {
  const { horizon } = scope;
  const digest = new RowDigest();
  const found = { mismatches: [] as Mismatch[], count: 0 };
  const check = (key: Record<string, unknown>, expected: Live['row'] | null, live: Live | undefined) => {
    if (horizon !== null && live && live.pos !== null && live.pos > horizon) return;
    const actual = live?.row ?? null;
    if (JSON.stringify(expected) === JSON.stringify(actual)) return;
    const m = mismatchOf(model, key, expected, actual);
    if (!m.fields.length) return;
    found.count++;
    if (found.mismatches.length < MAX_STORED_MISMATCHES) found.mismatches.push(m);
  };
  if (model === 'inbox_counts') {
    const [r] = await tx.$queryRaw<(Live & { expected: Live['row'] })[]>`
      WITH e AS (${expectedCountsSql(run.tenant_id)}), l AS (${liveRowsSql(model, run.tenant_id)})
      SELECT e.k, e.key, e.row AS expected, l.row, l.pos FROM e JOIN l ON l.k = e.k`;
    digest.add(r.expected);
    check(r.key, r.expected, r);
    return { digest: digest.finish(), mismatches: found.mismatches, mismatchCount: found.count, extras: 0 };
  }
  let after = '';
  for (;;) {
    const page = await tx.$queryRaw<ShadowPageRow[]>(
      shadowPageSql(model, run.tenant_id, run.job_id, after, PAGE, scope.keys ?? null),
    );
    for (const r of page) {
      digest.add(r.row);
      if (r.same) continue;
      check(r.key, r.row, r.present ? { k: r.k, key: r.key, row: r.live_row, pos: r.pos } : undefined);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1].k;
  }
  let extras = 0;
  const range = scope.range === undefined ? { atOrBelow: horizon } : scope.range;
  // Rows the log does not have: every one is a mismatch naming all its fields (mismatchOf with
  // nothing expected), so they are counted in SQL and only the first ones read.
  for (const b of LIVE_BRANCHES[model]) {
    if (!range) break;
    const [{ n }] = await tx.$queryRaw<{ n: bigint }[]>(liveExtrasSql(b, run.tenant_id, run.job_id, range, null));
    if (!n) continue;
    const room = MAX_STORED_MISMATCHES - found.mismatches.length;
    if (room > 0) {
      const rows = await tx.$queryRaw<Live[]>(liveExtrasSql(b, run.tenant_id, run.job_id, range, room));
      for (const l of rows) found.mismatches.push(mismatchOf(model, l.key, null, l.row));
    }
    found.count += Number(n);
    extras += Number(n);
  }
  return { digest: digest.finish(), mismatches: found.mismatches, mismatchCount: found.count, extras };
}
