// Resident memory of the service (issue 17): at ready, after BENCH_EVENTS (default 100,000) events
// ingested in batches, and through a soak of BENCH_SOAK_SECONDS (default 600) of mixed traffic:
// single-event appends, inbox reads, and exceptions opened and approved. RSS is read from
// /proc/<pid>/status each second; the soak's second-half slope tells a leak from a plateau. The
// service runs as deploy/ runs it: migrated beforehand, with the pod's NODE_OPTIONS (its heap).
//   npm run build
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/memory.ts
//   npx tsx bench/memory.ts --embedded
import { readFileSync } from 'node:fs';
import {
  exceptionEvent,
  fmt,
  GENEROUS_LIMITS,
  JsonClient,
  type JsonResponse,
  markdownTable,
  now,
  percentile,
  reportHeading,
  runBenchmark,
  scaled,
  TraceCursor,
  verdict,
} from './lib/harness';

const EVENTS = scaled(Number(process.env.BENCH_EVENTS ?? '100000'), 1_000);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? '600');
const BATCH = 500;
const TENANT = `bench-mem-${Date.now()}`;
const GOAL_MIB = { pg: 200, pglite: 320 };

type Memory = { rss: number; hwm: number };

/** VmRSS and VmHWM of a process, in MiB. */
function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

type Heap = { total: number; used: number; external: number };
type Reading = Memory & { heap: Heap };

/** V8's heap (committed and in use) and external memory, in MiB, from the service's /metrics. */
async function heapOf(baseUrl: string): Promise<Heap> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const mib = (name: string) => Number(new RegExp(`^dg_nodejs_${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
  return {
    total: mib('heap_size_total_bytes'),
    used: mib('heap_size_used_bytes'),
    external: mib('external_memory_bytes'),
  };
}

function expectStatus(res: JsonResponse, status: number, what: string): void {
  if (res.status !== status)
    throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
}

/** Least-squares slope of (seconds, MiB) samples, in MiB per minute. */
function slopePerMinute(samples: { t: number; rss: number }[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mr = samples.reduce((s, x) => s + x.rss, 0) / n;
  const num = samples.reduce((s, x) => s + (x.t - mt) * (x.rss - mr), 0);
  const den = samples.reduce((s, x) => s + (x.t - mt) ** 2, 0);
  return den ? (num / den) * 60 : 0;
}

runBenchmark({ script: 'memory.ts', databasePrefix: 'dg_bench_mem', embeddedAllowed: true }, async (target, scope) => {
  const service = await scope.startService({ ...GENEROUS_LIMITS });
  const embedded = !target.databaseUrl;
  const headers = (token: string) => ({ 'x-tenant-id': TENANT, authorization: `Bearer ${token}` });
  const writer = new JsonClient(service.baseUrl, headers('dev-writer-token'), 8);
  const admin = new JsonClient(service.baseUrl, headers('dev-admin-token'), 4);
  scope.onExit(() => {
    writer.close();
    admin.close();
  });
  /** RSS and the heap now; V8's figures tell its heap from the rest (code, native memory, the drivers'). */
  const reading = async (): Promise<Reading> => ({ ...memoryOf(service.pid), heap: await heapOf(service.baseUrl) });
  const atReady = await reading();

  // Ingest: batches of 500 (20 traces of 25: TraceStarted, then ExceptionRequested), 2 in flight.
  const batches = Array.from({ length: 2 }, (_, w) => new TraceCursor(`ingest-${w}`, 25, exceptionEvent));
  let sent = 0;
  await Promise.all(
    batches.map(async (cursor) => {
      while (sent < EVENTS) {
        sent += BATCH;
        const events = Array.from({ length: BATCH }, () => cursor.next());
        expectStatus(await writer.post('/api/v1/events/batch', { events }), 201, 'batch');
      }
    }),
  );
  const afterIngest = await reading();

  // Soak: 4 appenders, 2 inbox readers, 1 opener-and-approver, for SOAK_SECONDS.
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  const until = started + SOAK_SECONDS * 1000;
  const samples: { t: number; rss: number }[] = [];
  const sampler = setInterval(() => samples.push({ t: (Date.now() - started) / 1000, ...memoryOf(service.pid) }), 1000);
  const counts = { appends: 0, reads: 0, approvals: 0 };
  /** Append latencies (ns) in the soak's first and last minute (or tenth, when shorter), for the p99 drift. */
  const window = Math.min(60, SOAK_SECONDS / 10) * 1000;
  const first: bigint[] = [];
  const last: bigint[] = [];
  const appender = async (w: number) => {
    const cursor = new TraceCursor(`soak-${w}`, 25);
    while (Date.now() < until) {
      const t0 = now();
      expectStatus(await writer.post('/api/v1/events', cursor.next()), 201, 'append');
      const at = Date.now();
      if (at - started <= window) first.push(now() - t0);
      else if (until - at <= window) last.push(now() - t0);
      counts.appends++;
    }
  };
  const reader = async () => {
    while (Date.now() < until) {
      expectStatus(await admin.get('/api/v1/workflows?limit=50'), 200, 'inbox');
      counts.reads++;
    }
  };
  const approver = async () => {
    for (let i = 0; Date.now() < until; i++) {
      const trace = `approve-${i}`;
      const events = [exceptionEvent(trace, 0), exceptionEvent(trace, 1)];
      expectStatus(await writer.post('/api/v1/events/batch', { events }), 201, 'open');
      const path = `/api/v1/workflows/${encodeURIComponent(`${trace}:exception:ex-1`)}/actions`;
      expectStatus(await admin.post(path, { action: 'approve', reason: 'Within the cap' }), 200, 'approve');
      counts.approvals++;
    }
  };
  try {
    await Promise.all([0, 1, 2, 3].map(appender).concat([reader(), reader(), approver()]));
  } finally {
    clearInterval(sampler);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const end = await reading();
  const soakPeak = Math.max(...samples.map((s) => s.rss));
  const secondHalf = samples.filter((s) => s.t >= SOAK_SECONDS / 2);
  const goal = embedded ? GOAL_MIB.pglite : GOAL_MIB.pg;
  const mib = (n: number) => `${fmt(n)} MiB`;
  const row = (when: string, r: Reading) => [
    when,
    mib(r.rss),
    mib(r.hwm),
    `${fmt(r.heap.total)} / ${fmt(r.heap.used)} MiB`,
    mib(r.heap.external),
  ];

  return [
    reportHeading('Service memory', target),
    '',
    markdownTable(
      ['when', 'RSS', 'peak so far (VmHWM)', 'V8 heap: committed / in use', 'external'],
      [
        row('ready', atReady),
        row(`after ${fmt(EVENTS)} events (batches of ${BATCH})`, afterIngest),
        row(`end of a ${fmt(SOAK_SECONDS)} s soak`, end),
        ['soak: highest sample', mib(soakPeak), '', '', ''],
        ['soak: slope over the second half', `${fmt(slopePerMinute(secondHalf), 2)} MiB/min`, '', '', ''],
        [
          `soak: append p99, first / last ${fmt(window / 1000)} s`,
          `${fmt(percentile(first, 99), 1)} / ${fmt(percentile(last, 99), 1)} ms`,
          `${fmt(first.length)} / ${fmt(last.length)} samples`,
          '',
          '',
        ],
      ],
    ),
    '',
    `Soak traffic: ${fmt(counts.appends)} single-event appends, ${fmt(counts.reads)} inbox reads, ${fmt(counts.approvals)} exceptions opened and approved; load generator CPU ${fmt((cpu.user + cpu.system) / 1e6 / SOAK_SECONDS, 2)} cores.`,
    `Goal: RSS ≤ ${goal} MiB after the events and the soak — ${verdict(Math.max(afterIngest.rss, end.rss) <= goal)}.`,
  ].join('\n');
});
