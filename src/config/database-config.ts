import { resolve } from 'node:path';
import { ConfigError, Env, readBool, readInt, readString } from './env-parsers';

export type DatabaseConfig = {
  /** `postgres://…`, `pglite:<dir>` or `pglite:memory://`. */
  url: string;
  kind: 'pg' | 'pglite';
  migrateOnStart: boolean;
  migrationsDir: string;
  poolSize: number;
  /** Runs of a transaction that lost a deadlock or serialization check, the first included. */
  retryAttempts: number;
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
    retryAttempts: readInt(env, 'DG_DATABASE_RETRY_ATTEMPTS', 3, 1, 10),
  };
}
