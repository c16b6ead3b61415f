// Ingest benchmark (issue 3): single-event latency and throughput, batch throughput, and on
// PostgreSQL a raw-SQL baseline of the same append on the same database. See bench/README.md.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/ingest.ts
//   npx tsx bench/ingest.ts --embedded
//
// BENCH_SCALE (default 1) multiplies every count, for smoke runs. Build first: it spawns dist/main.js.
import { Pool } from 'pg';
import { eventHash, payloadHash } from '../src/ingestion/event-hashing';
import type { EventType } from '../src/ingestion/event-types';
import {
  analyze,
  appendConcurrently,
  BenchEvent,
  benchEvent,
  fmt,
  GENEROUS_LIMITS,
  JsonClient,
  Latency,
  markdownTable,
  ms,
  reportHeading,
  runConcurrently,
  runBenchmark,
  runSerially,
  scaled,
  Target,
  TraceCursor,
  verdict,
} from './lib/harness';

const COUNTS = {
  warmup: scaled(500, 20),
  serial: scaled(2_000, 50),
  concurrent: scaled(10_000, 160),
  batches: scaled(40, 2),
};
const CONCURRENCY = 16;
const BATCH_SIZE = 500;
const BATCH_CONCURRENCY = 2;
const TRACE_LENGTH = 25;
const RUN_ID = Date.now();

type Results = { serial: Latency; concurrent: number; batch: number; raw?: { serial: Latency; concurrent: number } };

function expectCreated(res: { status: number; body: any }): void {
  if (res.status !== 201) throw new Error(`append answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
}

/** Sequential appends; the event is made before the clock of its call starts. */
async function serialRun(count: number, append: (e: BenchEvent) => Promise<void>, prefix: string): Promise<Latency> {
  const cursor = new TraceCursor(prefix, TRACE_LENGTH);
  const events = Array.from({ length: count }, () => cursor.next());
  return runSerially(count, (i) => append(events[i]));
}

/** Concurrent appends, each worker on its own traces; events per second. */
function concurrentRun(count: number, append: (e: BenchEvent) => Promise<void>, prefix: string): Promise<number> {
  return appendConcurrently(count, CONCURRENCY, (w) => new TraceCursor(`${prefix}-w${w}`, TRACE_LENGTH), append);
}

async function serviceRuns(client: JsonClient, databaseUrl: string | undefined): Promise<Omit<Results, 'raw'>> {
  const single = async (e: BenchEvent) => expectCreated(await client.post('/api/v1/events', e));
  await serialRun(Math.ceil(COUNTS.warmup / 2), single, 'warm-serial');
  await concurrentRun(Math.ceil(COUNTS.warmup / 2), single, 'warm-conc');
  await analyze(databaseUrl);
  const serial = await serialRun(COUNTS.serial, single, 'serial');
  const concurrent = await concurrentRun(COUNTS.concurrent, single, 'conc');

  // Every batch: 20 fresh traces of 25 events; bodies built before the clock starts.
  const batches = Array.from({ length: COUNTS.batches }, (_, b) =>
    Array.from({ length: BATCH_SIZE }, (_, i) =>
      benchEvent(`batch-${b}-t${Math.floor(i / TRACE_LENGTH)}`, i % TRACE_LENGTH),
    ),
  );
  const elapsed = await runConcurrently(batches.length, BATCH_CONCURRENCY, async (_, i) => {
    const res = await client.post('/api/v1/events/batch', { events: batches[i] });
    expectCreated(res);
    if (res.body.data.events.length !== BATCH_SIZE) throw new Error('batch answered the wrong number of events');
  });
  return { serial, concurrent, batch: (batches.length * BATCH_SIZE) / (ms(elapsed) / 1000) };
}

/**
 * The same append in raw SQL, one transaction per event, as the service does it: the per-trace
 * advisory lock (same key) and the tenant's shared feed lock, the idempotency lookup, the sequence check against the trace's latest
 * trace_seq (kept with the chain head in dg_trace_summaries, as the service keeps it), the insert
 * and the summary upsert; hashes computed in the client like the service computes them. Plain
 * parameterised statements, one round trip each (the service's driver path prepares its two
 * statements and pipelines BEGIN and COMMIT with them, so the baseline is not flattered).
 */
function rawAppender(pool: Pool, tenant: string) {
  return async (e: BenchEvent): Promise<void> => {
    const db = await pool.connect();
    try {
      await db.query('BEGIN');
      await db.query(
        'SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0)), pg_advisory_xact_lock_shared(4711, hashtext($1))',
        [tenant, e.trace_id],
      );
      const source = e.source;
      const replay = await db.query(
        'SELECT event_id FROM dg_event_log WHERE tenant_id = $1 AND producer_id = $2 AND idempotency_key = $3',
        [tenant, source.producer_id, e.idempotency_key],
      );
      if (replay.rowCount) throw new Error(`unexpected replay of ${e.event_id}`);
      const head = await db.query(
        'SELECT last_trace_seq, last_event_hash FROM dg_trace_summaries WHERE tenant_id = $1 AND trace_id = $2',
        [tenant, e.trace_id],
      );
      const expected = head.rowCount ? head.rows[0].last_trace_seq + 1 : 0;
      if (e.trace_seq !== expected) throw new Error(`trace_seq ${e.trace_seq}, expected ${expected}`);
      const unhashed = {
        ...e,
        event_type: e.event_type as EventType,
        tenant_id: tenant,
        causation_event_id: null,
        schema_version: 1,
        recorded_at: new Date().toISOString(),
        payload_hash: payloadHash(e.payload),
        prev_event_hash: head.rowCount ? (head.rows[0].last_event_hash as string) : null,
      };
      const hash = eventHash(unhashed);
      const inserted = await db.query(
        `INSERT INTO dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer_id,
           source, actor, idempotency_key, correlation_id, causation_event_id, schema_version, tags, payload, payload_hash,
           prev_event_hash, event_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING log_seq`,
        [
          tenant,
          e.event_id,
          e.trace_id,
          e.trace_seq,
          e.event_type,
          e.occurred_at,
          unhashed.recorded_at,
          source.producer_id,
          JSON.stringify(e.source),
          JSON.stringify(e.actor),
          e.idempotency_key,
          e.correlation_id,
          null,
          1,
          e.tags,
          JSON.stringify(e.payload),
          unhashed.payload_hash,
          unhashed.prev_event_hash,
          hash,
        ],
      );
      const started = e.event_type === 'TraceStarted' ? (e.payload as { workflow: string; title: string }) : undefined;
      await db.query(
        `INSERT INTO dg_trace_summaries (tenant_id, trace_id, workflow, title, started_at, event_count, last_log_seq, last_trace_seq, last_event_hash)
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8)
         ON CONFLICT (tenant_id, trace_id) DO UPDATE SET event_count = dg_trace_summaries.event_count + 1,
           last_log_seq = EXCLUDED.last_log_seq, last_trace_seq = EXCLUDED.last_trace_seq, last_event_hash = EXCLUDED.last_event_hash`,
        [
          tenant,
          e.trace_id,
          started?.workflow ?? null,
          started?.title ?? null,
          started ? e.occurred_at : null,
          inserted.rows[0].log_seq,
          e.trace_seq,
          hash,
        ],
      );
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      db.release();
    }
  };
}

async function rawRuns(databaseUrl: string): Promise<Results['raw']> {
  const pool = new Pool({ connectionString: databaseUrl, max: CONCURRENCY });
  try {
    const append = rawAppender(pool, `bench-raw-${RUN_ID}`);
    await serialRun(Math.ceil(COUNTS.warmup / 2), append, 'warm-serial');
    await concurrentRun(Math.ceil(COUNTS.warmup / 2), append, 'warm-conc');
    await analyze(databaseUrl);
    return {
      serial: await serialRun(COUNTS.serial, append, 'serial'),
      concurrent: await concurrentRun(COUNTS.concurrent, append, 'conc'),
    };
  } finally {
    await pool.end();
  }
}

function report(target: Target, r: Results): string {
  const raw = r.raw;
  const ratio = (service: number, base?: number) => (base ? `${fmt(service / base, 2)}×` : '–');
  const rows = [
    [
      'single event, c=1, p50 latency',
      `${fmt(r.serial.p50, 2)} ms`,
      raw ? `${fmt(raw.serial.p50, 2)} ms` : '–',
      '–',
      '–',
    ],
    [
      'single event, c=1, p99 latency',
      `${fmt(r.serial.p99, 2)} ms`,
      raw ? `${fmt(raw.serial.p99, 2)} ms` : '–',
      '–',
      `≤ 10 ms: ${verdict(r.serial.p99 <= 10)}`,
    ],
    [
      'single event, c=1, throughput',
      `${fmt(r.serial.perSecond)} ev/s`,
      raw ? `${fmt(raw.serial.perSecond)} ev/s` : '–',
      ratio(r.serial.perSecond, raw?.serial.perSecond),
      raw ? `≥ 0.5×: ${verdict(r.serial.perSecond >= 0.5 * raw.serial.perSecond)}` : '–',
    ],
    [
      `single event, c=${CONCURRENCY}, throughput`,
      `${fmt(r.concurrent)} ev/s`,
      raw ? `${fmt(raw.concurrent)} ev/s` : '–',
      ratio(r.concurrent, raw?.concurrent),
      `≥ 1,200 ev/s: ${verdict(r.concurrent >= 1200)}${raw ? `; ≥ 0.5×: ${verdict(r.concurrent >= 0.5 * raw.concurrent)}` : ''}`,
    ],
    [
      `batch of ${BATCH_SIZE}, c=${BATCH_CONCURRENCY}, throughput`,
      `${fmt(r.batch)} ev/s`,
      '–',
      '–',
      `≥ 5,000 ev/s: ${verdict(r.batch >= 5000)}`,
    ],
  ];
  return [
    reportHeading('Ingest benchmark', target),
    `counts: ${COUNTS.serial} serial, ${COUNTS.concurrent} concurrent, ${COUNTS.batches}×${BATCH_SIZE} batched (after ${COUNTS.warmup} warm-up each)`,
    '',
    markdownTable(['measurement', 'service (HTTP)', 'raw SQL baseline', 'service / baseline', 'goal'], rows, 'lrrrl'),
  ].join('\n');
}

runBenchmark({ script: 'ingest.ts', databasePrefix: 'dg_bench', embeddedAllowed: true }, async (target, scope) => {
  const pool: Record<string, string> = process.env.DG_DATABASE_POOL_SIZE
    ? { DG_DATABASE_POOL_SIZE: process.env.DG_DATABASE_POOL_SIZE }
    : {};
  const service = await scope.startService({ ...GENEROUS_LIMITS, ...pool });
  // The baseline goes first, so the service runs on the larger tables: any bias is against it.
  const raw = target.databaseUrl ? await rawRuns(target.databaseUrl) : undefined;
  const client = new JsonClient(
    service.baseUrl,
    { 'x-tenant-id': `bench-http-${RUN_ID}`, authorization: 'Bearer dev-writer-token' },
    CONCURRENCY,
  );
  scope.onExit(() => client.close());
  return report(target, { ...(await serviceRuns(client, target.databaseUrl)), raw });
});
