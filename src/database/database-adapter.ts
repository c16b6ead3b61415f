// Picks the Prisma driver adapter from the database URL:
//   postgres://user:pw@host:5432/db  -> @prisma/adapter-pg (real PostgreSQL)
//   pglite:./var/pgdata              -> pglite-prisma-adapter (embedded, file-backed)
//   pglite:memory://                 -> pglite-prisma-adapter (embedded, in memory; tests)
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { Pool } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseTimeouts } from '../config/database-config';
import { lockDataDir } from './data-dir-lock';

export type DatabaseHandle = {
  kind: 'pg' | 'pglite';
  /** Prisma Client's. */
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** The schema engine's (migrations). */
  schemaFactory: SqlMigrationAwareDriverAdapterFactory;
  /** PostgreSQL only: the one connection pool, shared by Prisma and the append's driver path. */
  pool?: Pool;
  /** Embedded only: the one PGlite instance (its listen() delivers the database's notifications). */
  pglite?: PGlite;
  close: () => Promise<void>;
};

type ErrorMapping = { onError(e: unknown): never };

/**
 * pglite-prisma-adapter 0.7.2's executeScript() does not await PGlite.exec(): a failing migration
 * would be recorded as applied. Await it and route errors through the adapter's own mapping.
 */
async function pgliteAdapter(pglite: PGlite): Promise<SqlDriverAdapter> {
  const adapter = await new PrismaPGlite(pglite).connect();
  adapter.executeScript = async (script: string) => {
    try {
      await pglite.exec(script);
    } catch (e) {
      (adapter as unknown as ErrorMapping).onError(e);
    }
  };
  return adapter;
}

class PGliteFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = 'pglite';
  constructor(private readonly pglite: PGlite) {}

  connect(): Promise<SqlDriverAdapter> {
    return pgliteAdapter(this.pglite);
  }

  /** The adapter's own shadow database is never closed (its timers keep a process alive). */
  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await PGlite.create('memory://');
    const adapter = await pgliteAdapter(shadow);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await shadow.close();
    };
    return adapter;
  }
}

/**
 * adapter-pg 7.10's executeScript() splits the script on ";" (not atomic, and it breaks $$ bodies
 * such as trigger functions). Send the whole script as one simple-protocol query instead, which
 * PostgreSQL runs as one implicit transaction, like the native schema engine.
 * Given a pool, the adapter uses it and leaves it open: the application's, shared with code that
 * bypasses Prisma (DriverTransactionsService). Given a config, every connect() opens a pool of its
 * own that dispose() ends: the schema engine's, because its session-level advisory lock must end
 * with its connection rather than stay behind in a shared pool.
 */
class PgFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  private readonly inner: PrismaPg;

  constructor(source: Pool | { connectionString: string; max: number; connectionTimeoutMillis?: number }) {
    this.inner = new PrismaPg(source);
  }

  async connect(): Promise<SqlDriverAdapter> {
    const adapter = await this.inner.connect();
    adapter.executeScript = async (script: string) => {
      try {
        await (adapter.underlyingDriver() as Pool).query(script);
      } catch (e) {
        (adapter as unknown as ErrorMapping).onError(e);
      }
    };
    return adapter;
  }

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    throw new Error('schema diffing runs on embedded PGlite only (npm run db:diff / db:migrate:create)');
  }
}

/**
 * Every PostgreSQL call is bounded (SPEC §15): the pool's wait for a connection, the server's
 * statement, lock (advisory locks included) and idle-in-transaction timeouts, sent as startup
 * parameters of each connection, and a client-side timeout on each answer for a server that
 * stopped answering (dropped packets), which closes the connection. TCP keep-alive finds a dead
 * peer under an idle connection.
 */
function boundedPoolOptions(timeouts: DatabaseTimeouts | undefined) {
  if (!timeouts) return {};
  return {
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    lock_timeout: timeouts.lockMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    query_timeout: timeouts.queryMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/**
 * PostgreSQL's default shared_buffers (128 MB) lives inside PGlite's WebAssembly memory and is
 * resident for good once touched: the embedded database alone held about 280 MiB at start with it,
 * 180 MiB with 32 MB. The file system's page cache still holds what the buffers do not.
 */
export const DEFAULT_EMBEDDED_SHARED_BUFFERS_MB = 32;

/**
 * `timeouts` bound the application's pool; the schema engine's connection (migrations, which may
 * run long) gets only the connect bound. `sharedBuffersMb` sizes the embedded database's buffer
 * cache (PGlite only).
 */
export async function openDatabase(
  url: string,
  poolSize = 10,
  timeouts?: DatabaseTimeouts,
  sharedBuffersMb = DEFAULT_EMBEDDED_SHARED_BUFFERS_MB,
): Promise<DatabaseHandle> {
  if (url.startsWith('pglite:')) {
    const dataDir = url.slice('pglite:'.length) || 'memory://';
    const onDisk = !dataDir.includes('://');
    // PGlite creates only the last path segment itself.
    if (onDisk) mkdirSync(dirname(resolve(dataDir)), { recursive: true });
    const unlock = onDisk ? lockDataDir(dataDir) : () => {};
    let pglite: PGlite;
    try {
      const options = { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`] };
      const fresh = onDisk && !existsSync(join(dataDir, 'PG_VERSION'));
      pglite = await PGlite.create(dataDir, options);
      if (fresh) {
        // initdb runs in a second PGlite instance and WebAssembly module, whose memory (about
        // 190 MiB) this instance keeps reachable for its lifetime. Opening the new directory again
        // lets it go, for about a second of the first start.
        await pglite.close();
        pglite = await PGlite.create(dataDir, options);
      }
      // PGlite has no autovacuum, so nothing ANALYZEs the tables and invalidates cached plans: the
      // plans dg_append_prepare() made while the tables were empty (sequential scans) would serve
      // this one long session for good (7 s instead of 10 ms to read for a 500-event batch at 20k
      // events). Plan every execution against the tables as they are.
      await pglite.exec('SET plan_cache_mode = force_custom_plan');
    } catch (e) {
      unlock();
      throw e;
    }
    const factory = new PGliteFactory(pglite);
    return { kind: 'pglite', factory, schemaFactory: factory, pglite, close: () => pglite.close().finally(unlock) };
  }
  // Pipelined: a query is sent without waiting for the one before it to be answered. Prisma awaits
  // each of its queries, so it sees no difference; DriverTx uses it to save round trips.
  const pool = new Pool({ connectionString: url, max: poolSize, pipeline: true, ...boundedPoolOptions(timeouts) });
  // The pool drops an idle connection that fails (a server restart); without a listener the
  // 'error' event would end the process. The next query reports the outage.
  pool.on('error', (e) => new Logger('Database').warn(`idle connection lost: ${e.message}`));
  // A connection in use can fail outside any query too: one whose answer timed out (query_timeout
  // closes it) reports its end after the query was answered with the timeout. The query path has
  // reported the failure already; without a listener the 'error' event would end the process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    kind: 'pg',
    factory: new PgFactory(pool),
    schemaFactory: new PgFactory({
      connectionString: url,
      max: 1,
      ...(timeouts && { connectionTimeoutMillis: timeouts.connectMs }),
    }),
    pool,
    close: () => pool.end(),
  };
}
