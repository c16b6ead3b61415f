// Cold start to ready (issues 2 and 17): `node dist/main.js` from spawn to the first 200 of
// /api/readyz. Embedded: on a new data directory (initdb + migrations) and on an existing one.
// PostgreSQL, when BENCH_DATABASE_URL names a server: on a new database the service migrates
// itself (DG_MIGRATE_ON_START), and on a migrated one as deploy/ runs it (no migration at start).
//   npm run build && npx tsx bench/startup.ts
//   npm run build && BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/startup.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, startService } from './lib/harness';

const RUNS = Number(process.env.BENCH_RUNS ?? '3');

async function timeStart(env: Record<string, string>): Promise<number> {
  const started = process.hrtime.bigint();
  const service = await startService(env);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  await service.stop();
  return elapsed;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const fmt = (xs: number[]) =>
  `${(median(xs) / 1000).toFixed(2)} s (min ${(Math.min(...xs) / 1000).toFixed(2)}, max ${(Math.max(...xs) / 1000).toFixed(2)})`;

async function embedded(): Promise<string[]> {
  const fresh: number[] = [];
  const existing: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'dg-start-'));
    const env = { DG_DATA_DIR: join(dir, 'pgdata') };
    try {
      fresh.push(await timeStart(env));
      existing.push(await timeStart(env));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [
    `| embedded | new data directory (initdb + all migrations) | ${fmt(fresh)} |`,
    `| embedded | existing data directory (nothing to migrate) | ${fmt(existing)} |`,
  ];
}

async function postgres(serverUrl: string): Promise<string[]> {
  const fresh: number[] = [];
  const migrated: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { url, drop } = await createDatabase(serverUrl, 'dg_bench_start');
    try {
      fresh.push(await timeStart({ DATABASE_URL: url, DG_MIGRATE_ON_START: 'true' }));
      migrated.push(await timeStart({ DATABASE_URL: url }));
    } finally {
      await drop();
    }
  }
  return [
    `| PostgreSQL | new database, DG_MIGRATE_ON_START (all migrations) | ${fmt(fresh)} |`,
    `| PostgreSQL | migrated database, as deploy/ runs it | ${fmt(migrated)} |`,
  ];
}

async function main(): Promise<void> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  const rows = [...(await embedded()), ...(serverUrl ? await postgres(serverUrl) : [])];
  console.log(`Cold start to ready, ${RUNS} runs each (median):\n`);
  console.log('| database | state | spawn → /api/readyz 200 |');
  console.log('|---|---|---:|');
  for (const row of rows) console.log(row);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
