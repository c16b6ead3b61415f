// Ingest benchmark (issues 3 and 17): single-event latency and throughput, batch throughput, and on
// PostgreSQL floors measured on the same database in the same run: a raw-SQL baseline of the same
// append, pgbench's one-row durable insert of an event-sized jsonb row (c=16 and c=1), and the
// batch's 500 rows inserted with one multi-row INSERT. See bench/README.md.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/ingest.ts
//   npx tsx bench/ingest.ts --embedded
//
// BENCH_SCALE (default 1) multiplies every count, for smoke runs. Build first: it spawns dist/main.js.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  percentile,
  reportHeading,
  runConcurrently,
  runBenchmark,
  runSerially,
  SCALE,
  scaled,
  Target,
  TraceCursor,
  verdict,
  withClient,
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
/** Seconds of each pgbench run (c=16, then c=1). */
const PGBENCH_SECONDS = Math.max(3, Math.round(15 * SCALE));
const PGBENCH = process.env.PGBENCH ?? 'pgbench';

type Floors = {
  raw: { serial: Latency; concurrent: number };
  /** pgbench, one-row durable insert: transactions/s at c=16 and c=1, latency at c=1. */
  pgbench: { concurrent: number; serial: Latency & { samples: number } };
  /** The service's batches inserted into dg_event_log with one multi-row INSERT each, at the same concurrency: rows/s. */
  multiRow: number;
};
type Results = { serial: Latency; concurrent: number; batch: number; floors?: Floors };

function expectCreated(res: { status: number; body: any }): void {
  if (res.status !== 201) throw new Error(`append answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
}

/** Every batch: 20 fresh traces of 25 events; bodies built before the clock starts. */
function makeBatches(): BenchEvent[][] {
  return Array.from({ length: COUNTS.batches }, (_, b) =>
    Array.from({ length: BATCH_SIZE }, (_, i) =>
      benchEvent(`batch-${b}-t${Math.floor(i / TRACE_LENGTH)}`, i % TRACE_LENGTH),
    ),
  );
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

async function serviceRuns(client: JsonClient, databaseUrl: string | undefined): Promise<Omit<Results, 'floors'>> {
  const single = async (e: BenchEvent) => expectCreated(await client.post('/api/v1/events', e));
  await serialRun(Math.ceil(COUNTS.warmup / 2), single, 'warm-serial');
  await concurrentRun(Math.ceil(COUNTS.warmup / 2), single, 'warm-conc');
  await analyze(databaseUrl);
  const serial = await serialRun(COUNTS.serial, single, 'serial');
  const concurrent = await concurrentRun(COUNTS.concurrent, single, 'conc');

  const batches = makeBatches();
  const elapsed = await runConcurrently(batches.length, BATCH_CONCURRENCY, async (_, i) => {
    const res = await client.post('/api/v1/events/batch', { events: batches[i] });
    expectCreated(res);
    if (res.body.data.events.length !== BATCH_SIZE) throw new Error('batch answered the wrong number of events');
  });
  return { serial, concurrent, batch: (batches.length * BATCH_SIZE) / (ms(elapsed) / 1000) };
}

const EVENT_COLUMNS = 19;
const INSERT_EVENT = `INSERT INTO dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at,
  producer_id, source, actor, idempotency_key, correlation_id, causation_event_id, schema_version, tags, payload, payload_hash,
  prev_event_hash, event_hash)`;

/** `($1, …, $19), ($20, …)`: the VALUES lists of `rows` events. */
function placeholders(rows: number): string {
  return Array.from(
    { length: rows },
    (_, r) => `(${Array.from({ length: EVENT_COLUMNS }, (_, c) => `$${r * EVENT_COLUMNS + c + 1}`).join(', ')})`,
  ).join(', ');
}

/** The stored row of an event as the service writes it (hashes computed here, as the service computes them). */
function eventRow(tenant: string, e: BenchEvent, prevHash: string | null): { values: unknown[]; hash: string } {
  const unhashed = {
    ...e,
    event_type: e.event_type as EventType,
    tenant_id: tenant,
    causation_event_id: null,
    schema_version: 1,
    recorded_at: new Date().toISOString(),
    payload_hash: payloadHash(e.payload),
    prev_event_hash: prevHash,
  };
  const hash = eventHash(unhashed);
  const values = [
    tenant,
    e.event_id,
    e.trace_id,
    e.trace_seq,
    e.event_type,
    e.occurred_at,
    unhashed.recorded_at,
    e.source.producer_id,
    JSON.stringify(e.source),
    JSON.stringify(e.actor),
    e.idempotency_key,
    e.correlation_id,
    null,
    1,
    e.tags,
    JSON.stringify(e.payload),
    unhashed.payload_hash,
    prevHash,
    hash,
  ];
  return { values, hash };
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
      const row = eventRow(tenant, e, head.rowCount ? (head.rows[0].last_event_hash as string) : null);
      const inserted = await db.query(`${INSERT_EVENT} VALUES ${placeholders(1)} RETURNING log_seq`, row.values);
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
          row.hash,
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

async function rawRuns(databaseUrl: string): Promise<Floors['raw']> {
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

/**
 * The batch floor: each of the service's batches (the same 500 events, on a tenant of its own)
 * inserted into dg_event_log with one multi-row INSERT, in a transaction of its own, at the batch
 * run's concurrency; rows per second. Rows and hash chains are built before the clock starts. No
 * COPY: `pg` has no COPY FROM STDIN without pg-copy-streams, which is not a dependency; issue 17
 * accepts "COPY or one multi-row statement".
 */
async function multiRowRun(databaseUrl: string, batches: BenchEvent[][]): Promise<number> {
  const tenant = `bench-multirow-${RUN_ID}`;
  const statements = batches.map((batch) => {
    const heads = new Map<string, string>();
    const values = batch.flatMap((e) => {
      const row = eventRow(tenant, e, heads.get(e.trace_id) ?? null);
      heads.set(e.trace_id, row.hash);
      return row.values;
    });
    return { text: `${INSERT_EVENT} VALUES ${placeholders(batch.length)}`, values };
  });
  const pool = new Pool({ connectionString: databaseUrl, max: BATCH_CONCURRENCY });
  try {
    const elapsed = await runConcurrently(statements.length, BATCH_CONCURRENCY, async (_, i) => {
      const { rowCount } = await pool.query(statements[i]);
      if (rowCount !== BATCH_SIZE) throw new Error(`multi-row INSERT wrote ${rowCount} rows`);
    });
    return (statements.length * BATCH_SIZE) / (ms(elapsed) / 1000);
  } finally {
    await pool.end();
  }
}

/** The pgbench floor's table: an event-sized jsonb row with a unique key. */
const PGBENCH_TABLE = 'bench_pgbench_floor';

/**
 * pgbench (PostgreSQL's own load generator) on the run's database: a custom script (-f) of one
 * durable one-row INSERT (synchronous_commit as the server has it) of an event-sized jsonb body
 * (a bench event envelope, ~600 bytes) under a fresh unique key (gen_random_uuid(), into a primary
 * key index), for PGBENCH_SECONDS at c=16 and at c=1 (-n -j 2). Transactions per second from its
 * report; at c=1 also p50/p99 of every transaction from its per-transaction log (-l).
 */
async function pgbenchRuns(databaseUrl: string): Promise<Floors['pgbench']> {
  await withClient(databaseUrl, (c) =>
    c.query(`CREATE TABLE IF NOT EXISTS ${PGBENCH_TABLE} (k text PRIMARY KEY, body jsonb NOT NULL)`),
  );
  const dir = mkdtempSync(join(tmpdir(), 'dg-pgbench-'));
  try {
    const body = JSON.stringify(benchEvent('pgbench-trace', 1)).replaceAll("'", "''");
    const script = join(dir, 'insert.sql');
    writeFileSync(
      script,
      `INSERT INTO ${PGBENCH_TABLE} (k, body) VALUES (gen_random_uuid()::text, '${body}'::jsonb);\n`,
    );
    const run = async (clients: number, log: boolean) => {
      const args = ['-n', '-f', script, '-c', String(clients), '-j', String(Math.min(2, clients))];
      args.push('-T', String(PGBENCH_SECONDS));
      if (log) args.push('-l', `--log-prefix=${join(dir, 'c1')}`);
      const out = await pgbench([...args, databaseUrl]);
      const tps = /^tps = ([\d.]+)/m.exec(out);
      if (!tps) throw new Error(`pgbench printed no tps:\n${out}`);
      return Number(tps[1]);
    };
    const concurrent = await run(CONCURRENCY, false);
    const perSecond = await run(1, true);
    // Per-transaction log: client_id transaction_no latency_us script_no epoch_s epoch_us.
    const samples = readdirSync(dir)
      .filter((f) => f.startsWith('c1.'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
      .map((line) => BigInt(line.split(' ')[2]) * 1000n);
    return {
      concurrent,
      serial: { p50: percentile(samples, 50), p99: percentile(samples, 99), perSecond, samples: samples.length },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs pgbench with `args`; its stdout and stderr (the report is on stdout), or an error with them. */
async function pgbench(args: string[]): Promise<string> {
  const child = spawn(PGBENCH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`${PGBENCH} exited with ${code}:\n${out}`);
  return out;
}

async function floorRuns(databaseUrl: string): Promise<Floors> {
  return {
    pgbench: await pgbenchRuns(databaseUrl),
    raw: await rawRuns(databaseUrl),
    multiRow: await multiRowRun(databaseUrl, makeBatches()),
  };
}

function report(target: Target, r: Results): string {
  const raw = r.floors?.raw;
  const pg = r.floors?.pgbench;
  const multiRow = r.floors?.multiRow;
  const ratio = (service: number, base?: number) => (base ? `${fmt(service / base, 2)}×` : '–');
  const rows = [
    [
      'single event, c=1, p50 latency',
      `${fmt(r.serial.p50, 2)} ms`,
      raw ? `${fmt(raw.serial.p50, 2)} ms` : '–',
      pg ? `${fmt(pg.serial.p50, 2)} ms` : '–',
      pg ? `${fmt(r.serial.p50 / pg.serial.p50, 1)}×` : '–',
      `≤ 2 ms: ${verdict(r.serial.p50 <= 2)}`,
    ],
    [
      'single event, c=1, p99 latency',
      `${fmt(r.serial.p99, 2)} ms`,
      raw ? `${fmt(raw.serial.p99, 2)} ms` : '–',
      pg ? `${fmt(pg.serial.p99, 2)} ms` : '–',
      pg ? `${fmt(r.serial.p99 / pg.serial.p99, 1)}×` : '–',
      `≤ 6 ms: ${verdict(r.serial.p99 <= 6)}`,
    ],
    [
      'single event, c=1, throughput',
      `${fmt(r.serial.perSecond)} ev/s`,
      raw ? `${fmt(raw.serial.perSecond)} ev/s (${ratio(r.serial.perSecond, raw.serial.perSecond)})` : '–',
      pg ? `${fmt(pg.serial.perSecond)} tx/s` : '–',
      ratio(r.serial.perSecond, pg?.serial.perSecond),
      '–',
    ],
    [
      `single event, c=${CONCURRENCY}, throughput`,
      `${fmt(r.concurrent)} ev/s`,
      raw ? `${fmt(raw.concurrent)} ev/s (${ratio(r.concurrent, raw.concurrent)})` : '–',
      pg ? `${fmt(pg.concurrent)} tx/s` : '–',
      ratio(r.concurrent, pg?.concurrent),
      `≥ 1,500 ev/s: ${verdict(r.concurrent >= 1500)}${pg ? `; ≥ 0.25× pgbench: ${verdict(r.concurrent >= 0.25 * pg.concurrent)}` : ''}`,
    ],
    [
      `batch of ${BATCH_SIZE}, c=${BATCH_CONCURRENCY}, throughput`,
      `${fmt(r.batch)} ev/s`,
      '–',
      multiRow ? `${fmt(multiRow)} rows/s` : '–',
      ratio(r.batch, multiRow),
      `≥ 20,000 ev/s: ${verdict(r.batch >= 20_000)}${multiRow ? `; ≥ 0.5× one statement: ${verdict(r.batch >= 0.5 * multiRow)}` : ''}`,
    ],
  ];
  const floors = pg
    ? [
        '',
        `floor (issue 17): single events — pgbench one-row durable insert of an event-sized jsonb row with a unique key, ${PGBENCH_SECONDS} s each at c=${CONCURRENCY} and c=1 (-n -j 2; c=1 latency from ${fmt(pg.serial.samples)} logged transactions); batches — the same ${BATCH_SIZE}-event batches inserted into dg_event_log with one multi-row INSERT each, c=${BATCH_CONCURRENCY}; service / floor is a time ratio for latency and a rate ratio for throughput`,
      ]
    : [];
  return [
    reportHeading('Ingest benchmark', target),
    `counts: ${COUNTS.serial} serial, ${COUNTS.concurrent} concurrent, ${COUNTS.batches}×${BATCH_SIZE} batched (after ${COUNTS.warmup} warm-up each)`,
    ...floors,
    '',
    markdownTable(
      [
        'measurement',
        'service (HTTP)',
        'raw SQL append (service / raw)',
        'floor (issue 17)',
        'service / floor',
        'goal (issue 17)',
      ],
      rows,
      'lrrrrl',
    ),
  ].join('\n');
}

runBenchmark({ script: 'ingest.ts', databasePrefix: 'dg_bench', embeddedAllowed: true }, async (target, scope) => {
  const pool: Record<string, string> = process.env.DG_DATABASE_POOL_SIZE
    ? { DG_DATABASE_POOL_SIZE: process.env.DG_DATABASE_POOL_SIZE }
    : {};
  const service = await scope.startService({ ...GENEROUS_LIMITS, ...pool });
  // The floors go first, so the service runs on the larger tables: any bias is against it.
  const floors = target.databaseUrl ? await floorRuns(target.databaseUrl) : undefined;
  const client = new JsonClient(
    service.baseUrl,
    { 'x-tenant-id': `bench-http-${RUN_ID}`, authorization: 'Bearer dev-writer-token' },
    CONCURRENCY,
  );
  scope.onExit(() => client.close());
  return report(target, { ...(await serviceRuns(client, target.databaseUrl)), floors });
});
