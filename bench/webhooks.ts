// Webhook delivery benchmark (issue 5): how fast the worker drains a backlog of deliveries to a
// local receiver (deliveries/s, per DG_WEBHOOK_CONCURRENCY), and the end-to-end latency from a
// notification being written to its webhook arriving, under a steady trickle. See bench/README.md.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/webhooks.ts
//   npx tsx bench/webhooks.ts --embedded
//
// BENCH_SCALE (default 1) multiplies every count; BENCH_WEBHOOK_CONCURRENCY (default "4,16") lists
// the worker concurrencies to measure. Build first: it spawns dist/main.js.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { JsonClient, ms, now, percentile, startService } from './lib/harness';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const scaled = (n: number, min: number) => Math.max(min, Math.round(n * SCALE));
const BACKLOG = scaled(5_000, 100);
const TRICKLE = { batches: scaled(40, 4), perBatch: 25, pauseMs: 100 };
const CONCURRENCIES = (process.env.BENCH_WEBHOOK_CONCURRENCY ?? '4,16').split(',').map(Number);
const EXCEPTIONS_PER_BATCH = 499;
const RUN_ID = Date.now();
const LIMITS = { DG_RATE_LIMIT_WRITE_PER_MINUTE: '10000000', DG_RATE_LIMIT_READ_PER_MINUTE: '10000000', DG_RATE_LIMIT_ADMIN_PER_MINUTE: '10000000' };
const WEBHOOKS = { DG_WEBHOOK_ALLOW_PRIVATE: 'true' };

type Target = { label: string; serviceEnv: Record<string, string>; cleanup: () => Promise<void> };

async function postgresTarget(serverUrl: string): Promise<Target> {
  const name = `dg_bench_wh_${RUN_ID}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    label: `PostgreSQL (${url.host}, database ${name})`,
    serviceEnv: { DATABASE_URL: url.toString(), DG_MIGRATE_ON_START: 'true' },
    cleanup: () => withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

function embeddedTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'dg-bench-wh-'));
  return { label: `embedded PGlite (${dir})`, serviceEnv: { DG_DATA_DIR: join(dir, 'pgdata') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Answers 200 to everything; remembers each webhook-id and when it first arrived. */
class Receiver {
  readonly arrivals = new Map<string, { at: number; writtenAt: number }>();
  duplicates = 0;
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        if (this.arrivals.has(id)) this.duplicates += 1;
        else this.arrivals.set(id, { at: Date.now(), writtenAt: Date.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')).timestamp) });
        res.writeHead(204).end();
      });
    });
    this.server.keepAliveTimeout = 30_000;
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
  }

  async until(count: number, timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.arrivals.size < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.arrivals.size} of ${count} webhooks arrived`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  stop(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

/** One trace of `count` exception requests: `count` items, `count` assignment notifications. */
function exceptionBatch(count: number) {
  const traceId = `wh-${randomUUID()}`;
  const base = { source: { producer_id: 'bench-producer', system: 'pricing' }, actor: { actor_id: 'agent-7', actor_type: 'agent' } };
  const event = (seq: number, event_type: string, payload: Record<string, unknown>) => ({
    ...base,
    event_id: `evt-${randomUUID()}`,
    trace_id: traceId,
    trace_seq: seq,
    event_type,
    occurred_at: new Date().toISOString(),
    idempotency_key: `idem-${randomUUID()}`,
    payload,
  });
  const policy = { policy_id: 'discount-cap', policy_version: 'v3' };
  return [
    event(0, 'TraceStarted', { workflow: 'renewal', title: 'Renew ACME contract', primary_entity: { entity_type: 'account', entity_id: 'acme-1' } }),
    ...Array.from({ length: count }, (_, i) => event(i + 1, 'ExceptionRequested', { exception_id: `ex-${i}`, policy, reason: 'Discount above cap' })),
  ];
}

async function produce(client: JsonClient, notifications: number): Promise<void> {
  for (let left = notifications; left > 0; left -= EXCEPTIONS_PER_BATCH) {
    const res = await client.post('/api/v1/events/batch', { events: exceptionBatch(Math.min(left, EXCEPTIONS_PER_BATCH)) });
    if (res.status !== 201) throw new Error(`batch answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  }
}

type Drain = { concurrency: number; perSecond: number; seconds: number; duplicates: number };

/**
 * Queues BACKLOG deliveries with the worker off, restarts the service with it on, and times the
 * drain: from the service being ready until the receiver has every webhook-id.
 */
async function drainRun(target: Target, concurrency: number): Promise<Drain> {
  const receiver = new Receiver();
  await receiver.start();
  const tenant = `bench-wh-${RUN_ID}-c${concurrency}`;
  const headers = { 'x-tenant-id': tenant, authorization: 'Bearer dev-admin-token' };
  const env = { ...LIMITS, ...WEBHOOKS, ...target.serviceEnv, DG_WEBHOOK_CONCURRENCY: String(concurrency) };
  let service = await startService({ ...env, DG_WEBHOOK_DELIVERY_ENABLED: 'false' });
  let client = new JsonClient(service.baseUrl, headers, 4);
  try {
    const endpoint = await client.post('/api/v1/admin/webhooks', { url: `http://127.0.0.1:${receiver.port}/drain` });
    if (endpoint.status !== 201) throw new Error(`endpoint answered ${endpoint.status}`);
    await produce(client, BACKLOG);
    client.close();
    await service.stop();
    service = await startService(env);
    client = new JsonClient(service.baseUrl, headers, 4);
    const started = now();
    await receiver.until(BACKLOG);
    const seconds = ms(now() - started) / 1000;
    return { concurrency, perSecond: BACKLOG / seconds, seconds, duplicates: receiver.duplicates };
  } finally {
    client.close();
    await service.stop();
    receiver.stop();
  }
}

type Trickle = { p50: number; p99: number; count: number };

/** Small batches at a steady pace with the worker on; latency = arrival − notification created_at. */
async function trickleRun(target: Target): Promise<Trickle> {
  const receiver = new Receiver();
  await receiver.start();
  const service = await startService({ ...LIMITS, ...WEBHOOKS, ...target.serviceEnv });
  const client = new JsonClient(service.baseUrl, { 'x-tenant-id': `bench-wh-${RUN_ID}-live`, authorization: 'Bearer dev-admin-token' }, 4);
  try {
    await client.post('/api/v1/admin/webhooks', { url: `http://127.0.0.1:${receiver.port}/live` });
    for (let b = 0; b < TRICKLE.batches; b++) {
      await produce(client, TRICKLE.perBatch);
      await new Promise((r) => setTimeout(r, TRICKLE.pauseMs));
    }
    const count = TRICKLE.batches * TRICKLE.perBatch;
    await receiver.until(count);
    const latencies = [...receiver.arrivals.values()].map((a) => BigInt(Math.max(0, a.at - a.writtenAt)) * 1_000_000n);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), count };
  } finally {
    client.close();
    await service.stop();
    receiver.stop();
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<number> {
  const embedded = process.argv.includes('--embedded');
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!(SCALE > 0) || CONCURRENCIES.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('BENCH_SCALE and BENCH_WEBHOOK_CONCURRENCY must be positive');
  if (!embedded && !/^postgres(ql)?:\/\//.test(serverUrl ?? '')) {
    console.error('usage: BENCH_DATABASE_URL=postgres://user@host:5432/db npx tsx bench/webhooks.ts   |   npx tsx bench/webhooks.ts --embedded');
    return 2;
  }
  const target = embedded ? embeddedTarget() : await postgresTarget(serverUrl as string);
  process.once('SIGINT', () => void target.cleanup().finally(() => process.exit(130)));
  try {
    const drains: Drain[] = [];
    for (const concurrency of CONCURRENCIES) drains.push(await drainRun(target, concurrency));
    const trickle = await trickleRun(target);
    console.log(
      [
        `Webhook benchmark — ${new Date().toISOString()}, ${target.label}, node ${process.version}, ${cpus().length} CPUs, BENCH_SCALE=${SCALE}`,
        `backlog ${BACKLOG} deliveries per run; trickle ${TRICKLE.batches}×${TRICKLE.perBatch} notifications, ${TRICKLE.pauseMs} ms apart, default poll interval`,
        '',
        '| measurement | result |',
        '|---|---:|',
        ...drains.map((d) => `| backlog drain, DG_WEBHOOK_CONCURRENCY=${d.concurrency} | ${fmt(d.perSecond)} deliveries/s (${fmt(d.seconds, 1)} s; duplicates: ${d.duplicates}) |`),
        `| notification written → webhook received, p50 | ${fmt(trickle.p50, 1)} ms |`,
        `| notification written → webhook received, p99 | ${fmt(trickle.p99, 1)} ms |`,
      ].join('\n'),
    );
    return 0;
  } catch (e) {
    console.error('benchmark failed:', e instanceof Error ? e.message : e);
    return 1;
  } finally {
    await target.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
