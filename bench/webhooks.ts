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
import { createServer, Server } from 'node:http';
import {
  exceptionEvent,
  fmt,
  GENEROUS_LIMITS,
  JsonClient,
  markdownTable,
  ms,
  now,
  percentile,
  reportHeading,
  runBenchmark,
  scaled,
  startService,
  Target,
} from './lib/harness';

const BACKLOG = scaled(5_000, 100);
const TRICKLE = { batches: scaled(40, 4), perBatch: 25, pauseMs: 100 };
const CONCURRENCIES = (process.env.BENCH_WEBHOOK_CONCURRENCY ?? '4,16').split(',').map(Number);
const EXCEPTIONS_PER_BATCH = 499;
const RUN_ID = Date.now();
const WEBHOOKS = { DG_WEBHOOK_ALLOW_PRIVATE: 'true' };

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
        else
          this.arrivals.set(id, {
            at: Date.now(),
            writtenAt: Date.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')).timestamp),
          });
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
  return Array.from({ length: count + 1 }, (_, seq) => exceptionEvent(traceId, seq));
}

async function produce(client: JsonClient, notifications: number): Promise<void> {
  for (let left = notifications; left > 0; left -= EXCEPTIONS_PER_BATCH) {
    const res = await client.post('/api/v1/events/batch', {
      events: exceptionBatch(Math.min(left, EXCEPTIONS_PER_BATCH)),
    });
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
  const env = { ...GENEROUS_LIMITS, ...WEBHOOKS, ...target.serviceEnv, DG_WEBHOOK_CONCURRENCY: String(concurrency) };
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
  const service = await startService({ ...GENEROUS_LIMITS, ...WEBHOOKS, ...target.serviceEnv });
  const client = new JsonClient(
    service.baseUrl,
    { 'x-tenant-id': `bench-wh-${RUN_ID}-live`, authorization: 'Bearer dev-admin-token' },
    4,
  );
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

if (CONCURRENCIES.some((c) => !Number.isInteger(c) || c < 1))
  throw new Error('BENCH_WEBHOOK_CONCURRENCY must list positive integers');

// Each run starts and stops its own services (the drain needs a restart), so the scope is unused.
runBenchmark({ script: 'webhooks.ts', databasePrefix: 'dg_bench_wh', embeddedAllowed: true }, async (target) => {
  const drains: Drain[] = [];
  for (const concurrency of CONCURRENCIES) drains.push(await drainRun(target, concurrency));
  const trickle = await trickleRun(target);
  return [
    reportHeading('Webhook benchmark', target),
    `backlog ${BACKLOG} deliveries per run; trickle ${TRICKLE.batches}×${TRICKLE.perBatch} notifications, ${TRICKLE.pauseMs} ms apart, default poll interval`,
    '',
    markdownTable(
      ['measurement', 'result'],
      [
        ...drains.map((d) => [
          `backlog drain, DG_WEBHOOK_CONCURRENCY=${d.concurrency}`,
          `${fmt(d.perSecond)} deliveries/s (${fmt(d.seconds, 1)} s; duplicates: ${d.duplicates})`,
        ]),
        ['notification written → webhook received, p50', `${fmt(trickle.p50, 1)} ms`],
        ['notification written → webhook received, p99', `${fmt(trickle.p99, 1)} ms`],
      ],
    ),
  ].join('\n');
});
