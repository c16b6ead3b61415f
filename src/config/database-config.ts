import { resolve } from 'node:path';
import { ConfigError, Env, readBool, readInt, readString } from './env-parsers';

export type DatabaseConfig = {
  /** `postgres://…`, `pglite:<dir>` or `pglite:memory://`. */
  url: string;
  kind: 'pg' | 'pglite';
  migrateOnStart: boolean;
  migrationsDir: string;
  poolSize: number;
  /** PostgreSQL only: the bounds of every database call (SPEC §15). */
  timeouts: DatabaseTimeouts;
  /** Runs of a transaction that lost a deadlock or serialization check, the first included. */
  retryAttempts: number;
  /** Embedded only: PGlite's shared_buffers, in MB (resident memory of the process). */
  embeddedSharedBuffersMb: number;
};

export type DatabaseTimeouts = {
  /** Waiting for a pool connection, opening one included. */
  connectMs: number;
  /** Server side, per statement (lock waits included). */
  statementMs: number;
  /** Server side, per lock wait: rows, tables and advisory locks. */
  lockMs: number;
  /** Server side: a transaction left open and idle this long is ended with its connection. */
  idleInTransactionMs: number;
  /** Client side, per query: the statement timeout plus a margin, for a server that stopped answering. */
  queryMs: number;
};

/** DATABASE_URL picks the database; unset means the embedded PGlite in DG_DATA_DIR. */
export function loadDatabaseConfig(env: Env = process.env): DatabaseConfig {
  const dataDir = readString(env, 'DG_DATA_DIR', './var/pgdata');
  const url = readString(env, 'DATABASE_URL') ?? `pglite:${dataDir}`;
  let kind: DatabaseConfig['kind'];
  if (url.startsWith('pglite:')) kind = 'pglite';
  else if (/^postgres(ql)?:\/\//.test(url)) kind = 'pg';
  else throw new ConfigError('DATABASE_URL', 'must start with postgres://, postgresql:// or pglite:');
  return {
    url,
    kind,
    migrateOnStart: readBool(env, 'DG_MIGRATE_ON_START', kind === 'pglite'),
    migrationsDir: resolve(readString(env, 'DG_MIGRATIONS_DIR', 'prisma/migrations')),
    poolSize: readInt(env, 'DG_DATABASE_POOL_SIZE', 10, 1, 500),
    timeouts: loadTimeouts(env),
    retryAttempts: readInt(env, 'DG_DATABASE_RETRY_ATTEMPTS', 3, 1, 10),
    embeddedSharedBuffersMb: readInt(env, 'DG_EMBEDDED_SHARED_BUFFERS_MB', 32, 1, 16_384),
  };
}

/** A day at most: a bound is the point, and PostgreSQL's settings take int milliseconds. */
const MAX_TIMEOUT_MS = 86_400_000;
/** How long past the server's statement timeout the client gives up on an answer that never comes. */
const QUERY_TIMEOUT_MARGIN_MS = 5_000;

function loadTimeouts(env: Env): DatabaseTimeouts {
  const statementMs = readInt(env, 'DG_DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 100, MAX_TIMEOUT_MS);
  const lockMs = readInt(env, 'DG_DATABASE_LOCK_TIMEOUT_MS', 5_000, 10, MAX_TIMEOUT_MS);
  if (lockMs > statementMs) {
    throw new ConfigError(
      'DG_DATABASE_LOCK_TIMEOUT_MS',
      `must not exceed DG_DATABASE_STATEMENT_TIMEOUT_MS (${statementMs})`,
    );
  }
  return {
    connectMs: readInt(env, 'DG_DATABASE_CONNECT_TIMEOUT_MS', 10_000, 100, MAX_TIMEOUT_MS),
    statementMs,
    lockMs,
    idleInTransactionMs: readInt(env, 'DG_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000, 100, MAX_TIMEOUT_MS),
    queryMs: statementMs + QUERY_TIMEOUT_MARGIN_MS,
  };
}
