// Cold start to ready (issue 2): `node dist/main.js` on the embedded database, from spawn to the
// first 200 of /api/readyz, on a new data directory (initdb + migrations) and on an existing one.
//   npm run build && npx tsx bench/startup.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from './lib/harness';

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

async function main(): Promise<void> {
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
  const fmt = (xs: number[]) =>
    `${(median(xs) / 1000).toFixed(2)} s (min ${(Math.min(...xs) / 1000).toFixed(2)}, max ${(Math.max(...xs) / 1000).toFixed(2)})`;
  console.log(`Cold start to ready, embedded database, ${RUNS} runs each (median):\n`);
  console.log('| data directory | spawn → /api/readyz 200 |');
  console.log('|---|---:|');
  console.log(`| new (initdb + all migrations) | ${fmt(fresh)} |`);
  console.log(`| existing (nothing to migrate) | ${fmt(existing)} |`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
