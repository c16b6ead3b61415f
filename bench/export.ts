// Audit export benchmark (issue 7): per-item export latency, bulk NDJSON export throughput with the
// service's memory over the stream (at a tenth of the items and at all of them, to show it stays
// flat), and the offline verification of the bulk file. See bench/README.md.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/export.ts
//   npx tsx bench/export.ts --embedded
//
// BENCH_SCALE (default 1) multiplies the item count (100,000). Build first: it spawns dist/main.js.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get, IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  chooseTarget,
  exceptionEvent,
  fmt,
  GENEROUS_LIMITS,
  JsonClient,
  markdownTable,
  ms,
  now,
  percentile,
  reportHeading,
  runMain,
  scaled,
  Service,
  startService,
  withClient,
} from './lib/harness';

const TOTAL = scaled(100_000, 1_000);
const FIRST = Math.round(TOTAL / 10);
const PER_ITEM_SAMPLES = scaled(500, 50);
const TRACES_PER_BATCH = 250;
const PAGE = 100;
const TENANT = 'bench-export';
const HEADERS = { 'x-tenant-id': TENANT, authorization: 'Bearer dev-admin-token' };
const ROOT = resolve(__dirname, '..');

/** Resident set size of a process in MiB, sampled every 50 ms while `work` runs. */
async function sampleRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; before: number; peak: number }> {
  const read = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const before = read();
  let peak = before;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, read());
    } catch {
      // the process ended between two samples
    }
  }, 50);
  try {
    return { result: await work(), before, peak };
  } finally {
    clearInterval(timer);
  }
}

/** Appends traces of TraceStarted + ExceptionRequested (one item each) until `upTo` items exist. */
async function seed(client: JsonClient, from: number, upTo: number): Promise<void> {
  const batches: number[] = [];
  for (let t = from; t < upTo; t += TRACES_PER_BATCH) batches.push(t);
  let next = 0;
  const worker = async () => {
    for (let b = next++; b < batches.length; b = next++) {
      const first = batches[b];
      const traces = Array.from({ length: Math.min(TRACES_PER_BATCH, upTo - first) }, (_, i) => `exp-${first + i}`);
      const events = traces.flatMap((trace) => [exceptionEvent(trace, 0), exceptionEvent(trace, 1)]);
      const res = await client.post('/api/v1/events/batch', { events });
      if (res.status !== 201) throw new Error(`batch answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
  };
  await Promise.all([worker(), worker()]);
}

type BulkRun = { items: number; bytes: number; seconds: number; rssBefore: number; rssPeak: number; file: string };

/** Streams the whole tenant's bulk export into a file, watching the service's memory. */
async function bulkExport(service: Service, dir: string, name: string): Promise<BulkRun> {
  const file = join(dir, name);
  const started = now();
  let lines = 0;
  const { before, peak } = await sampleRss(service.pid, async () => {
    const res = get(`${service.baseUrl}/api/v1/admin/exports/workflows`, { headers: HEADERS });
    const [response] = (await once(res, 'response')) as [IncomingMessage];
    if (response.statusCode !== 200) throw new Error(`bulk export answered ${response.statusCode}`);
    response.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
    });
    await pipeline(response, createWriteStream(file));
  });
  const seconds = ms(now() - started) / 1000;
  // Every line but the manifest is one item.
  return { items: lines - 1, bytes: statSync(file).size, seconds, rssBefore: before, rssPeak: peak, file };
}

/** `verify-export` on the bulk file, as an operator runs it; its time and peak memory. */
async function verify(
  file: string,
  publicKey: string,
): Promise<{ ok: boolean; seconds: number; rssPeak: number; output: string }> {
  const started = now();
  const child = spawn(process.execPath, ['dist/cli/main.js', 'verify-export', file, '--public-key', publicKey], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const { result, peak } = await sampleRss(child.pid as number, async () => (await once(child, 'exit'))[0] as number);
  return {
    ok: result === 0,
    seconds: ms(now() - started) / 1000,
    rssPeak: peak,
    output: output.trim().split('\n').slice(-3).join(' / '),
  };
}

/**
 * The physical floor of the bulk export on PostgreSQL: the same four reads per page of 100 items
 * with `pg`, each item's line assembled and JSON.stringify'd, without canonical JSON, digest or
 * signature.
 */
async function rawFloor(databaseUrl: string): Promise<{ items: number; seconds: number }> {
  return withClient(databaseUrl, async (db) => {
    const started = now();
    let after = '';
    let items = 0;
    for (;;) {
      const page = (
        await db.query(
          'SELECT * FROM dg_workflow_items WHERE tenant_id = $1 AND workflow_id > $2 ORDER BY workflow_id LIMIT $3',
          [TENANT, after, PAGE],
        )
      ).rows;
      if (!page.length) break;
      const ids = page.map((r) => r.workflow_id);
      const traces = [...new Set(page.map((r) => r.trace_id))];
      const actions = (
        await db.query(
          'SELECT * FROM dg_workflow_actions WHERE tenant_id = $1 AND workflow_id = ANY($2) ORDER BY workflow_id, seq',
          [TENANT, ids],
        )
      ).rows;
      const notices = (
        await db.query(
          'SELECT * FROM dg_workflow_notifications WHERE tenant_id = $1 AND workflow_id = ANY($2) ORDER BY seq',
          [TENANT, ids],
        )
      ).rows;
      const events = (
        await db.query(
          'SELECT * FROM dg_event_log WHERE tenant_id = $1 AND trace_id = ANY($2) ORDER BY trace_id, trace_seq',
          [TENANT, traces],
        )
      ).rows;
      for (const item of page) {
        JSON.stringify({
          workflow: item,
          workflow_actions: actions.filter((a) => a.workflow_id === item.workflow_id),
          workflow_notifications: notices.filter((n) => n.workflow_id === item.workflow_id),
          trace_events: events.filter((e) => e.trace_id === item.trace_id),
        });
      }
      items += page.length;
      after = ids[ids.length - 1];
      if (page.length < PAGE) break;
    }
    return { items, seconds: ms(now() - started) / 1000 };
  });
}

async function main(): Promise<number> {
  const target = await chooseTarget('export.ts', 'dg_bench_export', true);
  if (!target) return 2;
  const dir = mkdtempSync(join(tmpdir(), 'dg-bench-export-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyFile = join(dir, 'public.pem');
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  let service: Service | undefined;
  try {
    service = await startService({
      ...target.serviceEnv,
      ...GENEROUS_LIMITS,
      DG_WEBHOOK_DELIVERY_ENABLED: 'false',
      DG_EXPORT_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    const client = new JsonClient(service.baseUrl, HEADERS, 4);
    console.error(`seeding ${fmt(FIRST)} items`);
    await seed(client, 0, FIRST);
    const small = await bulkExport(service, dir, 'small.ndjson');
    console.error(`seeding up to ${fmt(TOTAL)} items`);
    await seed(client, FIRST, TOTAL);

    const samples: bigint[] = [];
    for (let i = 0; i < PER_ITEM_SAMPLES; i++) {
      const id = encodeURIComponent(`exp-${Math.floor(Math.random() * TOTAL)}:exception:ex-1`);
      const t0 = now();
      const res = await client.get(`/api/v1/admin/workflows/${id}/export`);
      samples.push(now() - t0);
      if (res.status !== 200) throw new Error(`export answered ${res.status}`);
    }
    const big = await bulkExport(service, dir, 'all.ndjson');
    const checked = await verify(big.file, publicKeyFile);
    const floor = target.databaseUrl ? await rawFloor(target.databaseUrl) : undefined;
    client.close();

    if (small.items !== FIRST || big.items !== TOTAL)
      throw new Error(`expected ${FIRST} and ${TOTAL} lines, got ${small.items} and ${big.items}`);
    const row = (label: string, r: BulkRun) => [
      label,
      fmt(r.items),
      fmt(r.bytes / 2 ** 20, 1),
      fmt(r.seconds, 1),
      fmt(r.items / r.seconds),
      fmt(r.rssBefore),
      fmt(r.rssPeak),
      fmt(r.rssPeak - r.rssBefore),
    ];
    console.log(reportHeading('Audit export', target));
    console.log();
    console.log(
      markdownTable(
        ['per-item export (GET …/export)', 'samples', 'p50 ms', 'p99 ms'],
        [
          [
            'one item with its 2 events, 1 action, 1 notification',
            fmt(PER_ITEM_SAMPLES),
            fmt(percentile(samples, 50), 2),
            fmt(percentile(samples, 99), 2),
          ],
        ],
      ),
    );
    console.log();
    console.log(
      markdownTable(
        [
          'bulk export (NDJSON)',
          'items',
          'MiB',
          's',
          'items/s',
          'service RSS before (MiB)',
          'peak RSS (MiB)',
          'growth (MiB)',
        ],
        [row('a tenth of the items', small), row('all items', big)],
      ),
    );
    if (floor)
      console.log(
        `\nraw-SQL floor (pg, same reads, JSON.stringify, no canonical JSON/digest/signature): ${fmt(floor.items)} items in ${fmt(floor.seconds, 1)} s = ${fmt(floor.items / floor.seconds)} items/s; the service reaches ${fmt(big.items / big.seconds / (floor.items / floor.seconds), 2)}× of it`,
      );
    console.log(
      `verify-export on the ${fmt(big.items)}-item file: ${checked.ok ? 'verified' : '**FAILED**'} in ${fmt(checked.seconds, 1)} s (${fmt(big.items / checked.seconds)} items/s), peak RSS ${fmt(checked.rssPeak)} MiB — ${checked.output}`,
    );
    return checked.ok ? 0 : 1;
  } finally {
    await service?.stop();
    await target.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
