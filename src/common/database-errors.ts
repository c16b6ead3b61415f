/** How the database's refusals look through pg, the driver adapter and Prisma (pure; used by the error filter and the retry). */

/** SQLSTATEs of a transaction PostgreSQL aborted so that another could go on: running it again is the cure. */
const CONFLICT_STATES = new Set(['40001', '40P01']);

/**
 * SQLSTATEs of a wait that hit one of the session's bounds (statement_timeout, lock_timeout,
 * idle_in_transaction_session_timeout): the database is busy, the client should retry later.
 */
const TIMEOUT_STATES = new Set(['57014', '55P03', '25P03']);

/** Client-side bounds of pg and pg-pool (connectionTimeoutMillis, query_timeout). */
const CLIENT_TIMEOUT =
  /timeout exceeded when trying to connect|Query read timeout|Connection terminated due to connection timeout/i;

/**
 * The objects an error carries its cause in: pg's DatabaseError (`code`), the driver adapter's
 * mapped error (`kind`, `originalCode`), Prisma's known request error (`code` P2034, or P2010 with
 * `meta.driverAdapterError.cause`), and any `cause` chain around them.
 */
function* causes(e: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (typeof e !== 'object' || e === null || depth > 6) return;
  const o = e as Record<string, unknown>;
  yield o;
  const meta = o.meta as Record<string, unknown> | undefined;
  yield* causes(meta?.driverAdapterError, depth + 1);
  yield* causes(o.cause, depth + 1);
}

function sqlStates(e: unknown): string[] {
  const states: string[] = [];
  for (const o of causes(e)) {
    for (const key of ['code', 'originalCode']) {
      const value = o[key];
      if (typeof value === 'string' && /^[0-9A-Z]{5}$/.test(value) && !/^P\d{4}$/.test(value)) states.push(value);
    }
  }
  return states;
}

/** A deadlock (40P01) or serialization failure (40001), however the driver and Prisma wrapped it. */
export function isTransactionConflict(e: unknown): boolean {
  if (sqlStates(e).some((s) => CONFLICT_STATES.has(s))) return true;
  for (const o of causes(e)) if (o.kind === 'TransactionWriteConflict' || o.code === 'P2034') return true;
  return false;
}

/** A statement, lock or idle-in-transaction timeout, or the pool's or driver's own time limit. */
export function isDatabaseTimeout(e: unknown): boolean {
  if (sqlStates(e).some((s) => TIMEOUT_STATES.has(s))) return true;
  for (const o of causes(e)) if (typeof o.message === 'string' && CLIENT_TIMEOUT.test(o.message)) return true;
  return false;
}
