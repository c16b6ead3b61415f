import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/** Whether the tests run on a PostgreSQL server (the CI's second leg) rather than on embedded PGlite. */
export const onPostgres = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');

/**
 * A fresh database on the PostgreSQL server of DATABASE_URL, for a test whose work reaches every
 * tenant of its database (an SLA sweep with a clock hours ahead) and so must not share it with the
 * other test files. The apps given its URL migrate it on start (test-env.ts).
 */
export async function createOwnDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = new URL(process.env.DATABASE_URL as string);
  const name = `dg_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await admin(server, `CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function admin(server: URL, sql: string): Promise<void> {
  const client = new Client({ connectionString: server.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
