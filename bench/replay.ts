// Replay benchmark (issue 20, SPEC §16): verify and rebuild of a large log (events/s, the service's
// peak RSS), and single-event ingest latency p99 while a rebuild runs against ingest alone, in the
// same run. See bench/README.md, "Replay".
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/replay.ts [--events N]
//
// `--events N` or BENCH_REPLAY_EVENTS (default 1000000) is the size of the log, written with SQL in
// statements of 200,000 rows; DG_REPLAY_BATCH_SIZE, when set, is passed to the service (its default
// otherwise); BENCH_SCALE multiplies the ingest counts. Build first: it spawns dist/main.js.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  fmt,
  GENEROUS_LIMITS,
  JsonClient,
  type Latency,
  markdownTable,
  reportHeading,
  runBenchmark,
  runSerially,
  scaled,
  TraceCursor,
  withClient,
} from './lib/harness';

const flag = process.argv.indexOf('--events');
const EVENTS = Number(flag >= 0 ? process.argv[flag + 1] : (process.env.BENCH_REPLAY_EVENTS ?? '1000000'));
if (!Number.isInteger(EVENTS) || EVENTS < 10)
  throw new Error('--events / BENCH_REPLAY_EVENTS: an integer of at least 10');
const SEED_CHUNK = 200_000;
const TRACE_LENGTH = 10;
const TENANT = 'bench-replay';
const INGEST = scaled(300, 30);

/**
 * Writes the log straight into dg_event_log: traces of TraceStarted, PolicyEvaluated ×8,
 * TraceFinished, in statements of SEED_CHUNK rows. Only the log: the read models start empty, so
 * the rebuild writes every row.
 */
async function seedLog(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, async (c) => {
    for (let from = 0; from < EVENTS; from += SEED_CHUNK) {
      await c.query(
        `INSERT INTO dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer_id,
           source, actor, idempotency_key, schema_version, tags, payload, payload_hash, event_hash, hash_version)
         SELECT $1, 'e-' || g, 't-' || (g / $2), g % $2,
           CASE WHEN g % $2 = 0 THEN 'TraceStarted' WHEN g % $2 = $2 - 1 THEN 'TraceFinished' ELSE 'PolicyEvaluated' END,
           now(), now(), 'seed', '{"producer_id":"seed","system":"bench"}', '{"actor_id":"a","actor_type":"agent"}', 'k-' || g, 1, '{}',
           CASE WHEN g % $2 = 0 THEN '{"workflow":"renewal","title":"Renew","primary_entity":{"entity_type":"account","entity_id":"a1"}}'::jsonb
                WHEN g % $2 = $2 - 1 THEN '{"outcome":"success"}'::jsonb
                ELSE '{"policy":{"policy_id":"cap","policy_version":"v3"},"inputs":[],"decision":"allow"}'::jsonb END,
           'sha256:x', 'sha256:' || g, 2
         FROM generate_series($3::bigint, $4::bigint - 1) AS g`,
        [TENANT, TRACE_LENGTH, from, Math.min(EVENTS, from + SEED_CHUNK)],
      );
    }
    await c.query('ANALYZE');
  });
}

const load = (): string => loadavg()[0].toFixed(1);

function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

/**
 * Appends made from the end of a rebuild's fold to the run's end (its comparison, its write at
 * the horizon, its locked tail and its digest), and how long the tenant's feed key was seen held
 * exclusively meanwhile (the locked tail; polled every 10 ms).
 */
type SwapProbe = { seconds: number; appended: number; refused: number; slowestMs: number; lockedMs: number };
type RunResult = {
  seconds: number;
  perSecond: number;
  ingest?: Latency;
  swap?: SwapProbe;
  run: Record<string, any>;
};

runBenchmark(
  { script: 'replay.ts', databasePrefix: 'dg_bench_replay', embeddedAllowed: false },
  async (target, scope) => {
    const batchSize = process.env.DG_REPLAY_BATCH_SIZE;
    const service = await scope.startService({
      ...GENEROUS_LIMITS,
      DG_REPLAY_POLL_INTERVAL_MS: '100',
      ...(batchSize ? { DG_REPLAY_BATCH_SIZE: batchSize } : {}),
    });
    const admin = new JsonClient(
      service.baseUrl,
      { 'x-tenant-id': TENANT, authorization: 'Bearer dev-admin-token' },
      4,
    );
    const writer = new JsonClient(
      service.baseUrl,
      { 'x-tenant-id': TENANT, authorization: 'Bearer dev-writer-token' },
      4,
    );
    const loads: string[] = [load()];
    const seedStart = performance.now();
    await seedLog(target.databaseUrl as string);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    let cursorN = 0;
    const ingest = (count: number) => {
      const cursor = new TraceCursor(`live-${cursorN++}`, 25);
      return runSerially(count, async () => {
        const res = await writer.post('/api/v1/events', cursor.next());
        if (res.status !== 201) throw new Error(`append answered ${res.status}`);
      });
    };

    /**
     * Once every event up to the horizon is folded, the run's final transaction takes the tenant's
     * feed key: appends one at a time from then to the run's end, timing each (an append that
     * waits past DG_DATABASE_LOCK_TIMEOUT_MS is refused).
     */
    async function probeSwap(id: string): Promise<SwapProbe> {
      const cursor = new TraceCursor(`swap-${cursorN++}`, 25);
      const probe: SwapProbe = { seconds: 0, appended: 0, refused: 0, slowestMs: 0, lockedMs: 0 };
      let since: number | undefined;
      let probing = true;
      const watch = withClient(target.databaseUrl as string, async (c) => {
        let first: number | undefined;
        let last = 0;
        while (probing) {
          const t = performance.now();
          const held = await c.query(
            `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 4711 AND mode = 'ExclusiveLock' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
          if (held.rowCount && since !== undefined) {
            first ??= t;
            last = performance.now();
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        probe.lockedMs = first === undefined ? 0 : last - first;
      });
      for (;;) {
        const run = (await admin.get(`/api/v1/admin/replays/${id}`)).body.data.run;
        if (!['queued', 'running'].includes(run.status)) break;
        if (run.events_processed < run.events_total) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        since ??= performance.now();
        const start = performance.now();
        const res = await writer.post('/api/v1/events', cursor.next());
        probe.slowestMs = Math.max(probe.slowestMs, performance.now() - start);
        if (res.status === 201) probe.appended++;
        else probe.refused++;
      }
      probe.seconds = since === undefined ? 0 : (performance.now() - since) / 1000;
      probing = false;
      await watch;
      return probe;
    }

    /** Queues a run, optionally ingests while it runs, and waits for its end. */
    async function replay(mode: string, withIngest: boolean): Promise<RunResult> {
      const created = await admin.post('/api/v1/admin/replays', { mode, projection: 'all', reason: 'benchmark' });
      if (created.status !== 202) throw new Error(`replay answered ${created.status}`);
      const id = created.body.data.run.job_id as string;
      let latency: Latency | undefined;
      if (withIngest) {
        // Wait until it runs, then ingest while it does.
        for (;;) {
          const r = (await admin.get(`/api/v1/admin/replays/${id}`)).body.data.run;
          if (r.status !== 'queued') break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        latency = await ingest(INGEST);
      }
      const swap = withIngest ? await probeSwap(id) : undefined;
      for (;;) {
        const run = (await admin.get(`/api/v1/admin/replays/${id}`)).body.data.run;
        if (!['queued', 'running'].includes(run.status)) {
          if (run.status !== 'succeeded') throw new Error(`run ${id} ended ${run.status}: ${run.error}`);
          const seconds = (Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000;
          return { seconds, perSecond: run.events_processed / seconds, ingest: latency, swap, run };
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    const alone = await ingest(INGEST);
    loads.push(load());
    const rebuild = await replay('rebuild', true);
    loads.push(load());
    const verify = await replay('verify', false);
    loads.push(load());
    const rss = peakRssMiB(service.pid);
    const p99Ratio = (rebuild.ingest as Latency).p99 / alone.p99;
    const swap = rebuild.swap as SwapProbe;
    return [
      reportHeading(`Replay: verify and rebuild of ${fmt(EVENTS)} events`, target),
      markdownTable(
        ['measurement', 'value'],
        [
          [`log written with SQL (${fmt(EVENTS)} events)`, `${fmt(seedSeconds, 1)} s`],
          ['rebuild (all rebuildable models), events/s', fmt(rebuild.perSecond)],
          ['rebuild time', `${fmt(rebuild.seconds, 1)} s`],
          ['verify (all models), events/s', fmt(verify.perSecond)],
          ['verify time', `${fmt(verify.seconds, 1)} s`],
          ['verify mismatches after the rebuild', String(verify.run.mismatch_count)],
          ['service peak RSS (VmHWM, whole run)', `${fmt(rss)} MiB`],
          [`ingest p99 alone (${INGEST} serial appends)`, `${fmt(alone.p99, 1)} ms`],
          [`ingest p99 during the rebuild (${INGEST} serial appends)`, `${fmt((rebuild.ingest as Latency).p99, 1)} ms`],
          ['p99 during / alone', `${fmt(p99Ratio, 2)}×`],
          [
            'rebuild after its fold (compare, write at the horizon, locked tail, digest): probed for / appends that went through / refused / slowest',
            `${fmt(swap.seconds, 1)} s / ${swap.appended} / ${swap.refused} / ${fmt(swap.slowestMs)} ms`,
          ],
          ['rebuild locked tail: feed key seen held exclusively', `${fmt(swap.lockedMs)} ms`],
          ['replay batch size (DG_REPLAY_BATCH_SIZE)', batchSize ?? 'default (1,000)'],
          ['1-min load average: start, after ingest alone, after rebuild, after verify', loads.join(', ')],
        ],
      ),
    ].join('\n\n');
  },
);
