// Plumbing shared by the benchmarks: the database each run creates and drops, the built service
// as a child process, a lean HTTP client, timing statistics, the report table and event
// generators. No Nest, no jest: tsx runs this directly.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// js-yaml comes with @nestjs/swagger (a production dependency), as in test/e2e/deploy-manifests.
import { load } from 'js-yaml';
import { Client } from 'pg';

const ROOT = resolve(__dirname, '..', '..');
const READY_TIMEOUT_MS = 60_000;
const OUTPUT_TAIL = 16_384;

/** BENCH_SCALE (default 1) multiplies every count, for smoke runs. */
export const SCALE = Number(process.env.BENCH_SCALE ?? '1');
export const scaled = (n: number, min: number): number => Math.max(min, Math.round(n * SCALE));

/** Rate limits high enough that a benchmark never meets them. */
export const GENEROUS_LIMITS = {
  DG_RATE_LIMIT_WRITE_PER_MINUTE: '10000000',
  DG_RATE_LIMIT_READ_PER_MINUTE: '10000000',
  DG_RATE_LIMIT_ADMIN_PER_MINUTE: '10000000',
};

/** Where a run keeps its data: a database it created (dropped by cleanup) or a PGlite directory. */
export type Target = {
  label: string;
  serviceEnv: Record<string, string>;
  databaseUrl?: string;
  cleanup: () => Promise<void>;
};

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * ANALYZE after a warm-up, as autovacuum does on a database in use within a minute of a table's
 * first rows (50 rows plus 10%): a run shorter than that would measure plans made for empty tables,
 * which read a tenant's rows where a database with statistics probes their keys (bench/README.md,
 * "Ingest"). The embedded target (no URL) has its own connection only and is left as it is.
 */
export async function analyze(databaseUrl: string | undefined): Promise<void> {
  if (databaseUrl) await withClient(databaseUrl, (c) => c.query('ANALYZE'));
}

/** A new, empty database `<prefix>_<timestamp>` on the server of `serverUrl`; `drop` removes it. */
export async function createDatabase(
  serverUrl: string,
  prefix: string,
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now()}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const drop = () =>
    withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);
  return { name, url: url.toString(), drop };
}

/**
 * A new database on the server of `serverUrl` (createDatabase), migrated the way deploy/ does it:
 * `migrate deploy` from the command line first (the init container), then the service without
 * DG_MIGRATE_ON_START, so that it does not keep the schema engine loaded (bench/README.md, "Memory").
 */
export async function postgresTarget(serverUrl: string, prefix: string): Promise<Target> {
  const { name, url, drop } = await createDatabase(serverUrl, prefix);
  execFileSync(process.execPath, ['dist/cli/main.js', 'migrate', 'deploy'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: url },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    label: `PostgreSQL (${new URL(url).host}, database ${name})`,
    databaseUrl: url,
    serviceEnv: { DATABASE_URL: url },
    cleanup: drop,
  };
}

/** A fresh temporary PGlite data directory, removed by cleanup. */
export function embeddedTarget(prefix: string): Target {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return {
    label: `embedded PGlite (${dir})`,
    serviceEnv: { DG_DATA_DIR: join(dir, 'pgdata') },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The target the command line asks for: `--embedded` (when the script supports it) or the server
 * named by BENCH_DATABASE_URL; prints the usage and returns undefined when neither is given.
 */
export async function chooseTarget(
  script: string,
  prefix: string,
  embeddedAllowed: boolean,
): Promise<Target | undefined> {
  if (!(SCALE > 0)) throw new Error('BENCH_SCALE must be a positive number');
  if (embeddedAllowed && process.argv.includes('--embedded')) return embeddedTarget(prefix);
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!/^postgres(ql)?:\/\//.test(serverUrl ?? '')) {
    const usage = `usage: BENCH_DATABASE_URL=postgres://user@host:5432/db npx tsx bench/${script}`;
    console.error(embeddedAllowed ? `${usage}   |   npx tsx bench/${script} --embedded` : usage);
    return undefined;
  }
  return postgresTarget(serverUrl as string, prefix);
}

/** What a benchmark body may leave behind: services it started and anything else to undo at the end. */
export type RunScope = {
  /** `node dist/main.js` on the run's database, stopped at the end. */
  startService: (env: Record<string, string>) => Promise<Service>;
  onExit: (undo: () => unknown) => void;
};

export type BenchmarkOptions = { script: string; databasePrefix: string; embeddedAllowed: boolean };

/**
 * A benchmark's whole life: picks the target from the command line, runs `body`, prints the
 * report it returns, and whatever happens (failure, Ctrl-C) undoes what the body registered, last
 * first, removes the run's database and exits (0, 1 on failure, 2 on bad usage). On failure the
 * services' output is printed too.
 */
export function runBenchmark(
  options: BenchmarkOptions,
  body: (target: Target, scope: RunScope) => Promise<string>,
): void {
  const run = async (): Promise<number> => {
    const target = await chooseTarget(options.script, options.databasePrefix, options.embeddedAllowed);
    if (!target) return 2;
    const undo: (() => unknown)[] = [];
    const services: Service[] = [];
    const finish = async () => {
      for (let next = undo.pop(); next; next = undo.pop()) await next();
      await target.cleanup();
    };
    process.once('SIGINT', () => void finish().finally(() => process.exit(130)));
    const scope: RunScope = {
      startService: async (env) => {
        const service = await startService({ ...env, ...target.serviceEnv });
        services.push(service);
        undo.push(service.stop);
        return service;
      },
      onExit: (fn) => undo.push(fn),
    };
    try {
      console.log(await body(target, scope));
      return 0;
    } catch (e) {
      console.error('benchmark failed:', e instanceof Error ? e.message : e);
      for (const service of services) console.error(`service output (tail):\n${service.output()}`);
      return 1;
    } finally {
      await finish();
    }
  };
  runMain(run);
}

/** Runs a benchmark's main and exits with its code (the service and pools must not keep the process alive). */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const verdict = (ok: boolean): string => (ok ? 'met' : '**not met**');

/** A Markdown table, as bench/README.md keeps the figures; `align` is one `l` or `r` per column. */
export function markdownTable(header: string[], rows: string[][], align = 'l' + 'r'.repeat(header.length - 1)): string {
  const rule = [...align].map((a) => (a === 'r' ? '---:' : '---'));
  return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The first line of every report: what was measured, when, where and at which scale. */
export function reportHeading(title: string, target: Target): string {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `${title} — ${new Date().toISOString()}, ${target.label}, node ${process.version}, ${cpus().length} CPUs (load average ${load} at the end), BENCH_SCALE=${SCALE}`;
}

export type Service = { baseUrl: string; pid: number; output: () => string; stop: () => Promise<void> };

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/**
 * NODE_OPTIONS of the service's container in deploy/deployment.yaml: V8's heap as the pod's memory
 * limit sizes it. Without it Node would size the heap for the machine the benchmark runs on (a
 * 4 GB limit on the 24 GiB VM), and resident memory would measure garbage the pod never keeps.
 */
export function deployedNodeOptions(): string {
  type Pod = {
    spec: { template: { spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] } } };
  };
  const manifest = load(readFileSync(join(ROOT, 'deploy', 'deployment.yaml'), 'utf8')) as Pod;
  const container = manifest.spec.template.spec.containers.find((c) => c.name === 'decisiongraph');
  const value = container?.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
  if (!value) throw new Error('deploy/deployment.yaml: the decisiongraph container sets no NODE_OPTIONS');
  return value;
}

/**
 * Starts `node dist/main.js` (build first) on a free loopback port, with the deployment's
 * NODE_OPTIONS, and waits for /api/readyz; `args` replaces `dist/main.js` for a service started
 * another way (bench/http-adapter.ts).
 */
export async function startService(env: Record<string, string>, args = ['dist/main.js']): Promise<Service> {
  const port = await freePort();
  // BENCH_NODE_ARGS: Node flags for the service, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`; they
  // come after NODE_OPTIONS, so a heap flag given here wins.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      NODE_OPTIONS: deployedNodeOptions(),
      DG_LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => (output = (output + d.toString()).slice(-OUTPUT_TAIL));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`service exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
    const ready = await fetch(`${baseUrl}/api/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { baseUrl, pid: child.pid as number, output: () => output, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  await exited;
  throw new Error(`service not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
}

/**
 * node:http with a keep-alive Agent rather than the global fetch: on loopback, undici's fetch
 * (WHATWG streams, Request/Response objects) cost ~3-4x more client CPU per request than
 * http.request in a quick comparison on the bench machine (about 540 µs vs 145 µs per request at
 * concurrency 1 against a trivial server), and the client shares the machine's cores with the
 * service and the database.
 */
export type JsonResponse = { status: number; body: any };

export class JsonClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(
    baseUrl: string,
    private readonly headers: Record<string, string>,
    maxSockets: number,
  ) {
    this.url = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  post(path: string, body: unknown): Promise<JsonResponse> {
    return this.send('POST', path, JSON.stringify(body));
  }

  get(path: string): Promise<JsonResponse> {
    return this.send('GET', path);
  }

  private send(method: 'GET' | 'POST', path: string, text?: string): Promise<JsonResponse> {
    const headers =
      text === undefined
        ? this.headers
        : { ...this.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
    return new Promise((done, fail) => {
      const req = request(
        { host: this.url.hostname, port: this.url.port, path, method, agent: this.agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              done({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
            } catch (e) {
              fail(e);
            }
          });
          res.on('error', fail);
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', fail);
      req.end(text);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Nanoseconds since an arbitrary origin, from process.hrtime.bigint(). */
export const now = (): bigint => process.hrtime.bigint();
export const ms = (ns: bigint | number): number => Number(ns) / 1e6;

/** Nearest-rank percentile of latencies in nanoseconds, in milliseconds. */
export function percentile(samplesNs: bigint[], p: number): number {
  const sorted = [...samplesNs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return ms(sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]);
}

export type Latency = { p50: number; p99: number; perSecond: number };

/** Calls `step(i)` `count` times, one after another; p50/p99 of the calls (ms) and calls per second. */
export async function runSerially(count: number, step: (i: number) => Promise<void>): Promise<Latency> {
  const samples: bigint[] = [];
  const started = now();
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await step(i);
    samples.push(now() - t0);
  }
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    perSecond: count / (ms(now() - started) / 1000),
  };
}

/**
 * Runs `a(i)` then `b(i)` for each i and times each apart: two measures taken side by side face the
 * same machine (the database's cache, autovacuum, the collector's state), unlike two runs in turn.
 */
export async function runAlternating(
  count: number,
  a: (i: number) => Promise<void>,
  b: (i: number) => Promise<void>,
): Promise<[Latency, Latency]> {
  const samples: [bigint[], bigint[]] = [[], []];
  for (let i = 0; i < count; i++) {
    for (const [k, step] of [a, b].entries()) {
      const t0 = now();
      await step(i);
      samples[k].push(now() - t0);
    }
  }
  return samples.map((s) => ({
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    perSecond: count / (ms(s.reduce((x, y) => x + y, 0n)) / 1000),
  })) as [Latency, Latency];
}

/** Runs `workers` loops in parallel; each calls `step(worker, i)` until the shared counter reaches `total`. */
export async function runConcurrently(
  total: number,
  workers: number,
  step: (worker: number, i: number) => Promise<void>,
): Promise<bigint> {
  let next = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = next++; i < total; i = next++) await step(worker, i);
    }),
  );
  return now() - started;
}

/** Appends `count` events from `workers` callers, each on its own traces (`cursorOf(worker)`); events per second. */
export async function appendConcurrently(
  count: number,
  workers: number,
  cursorOf: (worker: number) => TraceCursor,
  append: (e: BenchEvent) => Promise<void>,
): Promise<number> {
  const cursors = Array.from({ length: workers }, (_, w) => cursorOf(w));
  const elapsed = await runConcurrently(count, workers, (worker) => append(cursors[worker].next()));
  return count / (ms(elapsed) / 1000);
}

export type BenchEvent = {
  event_id: string;
  trace_id: string;
  trace_seq: number;
  event_type: string;
  occurred_at: string;
  source: { producer_id: string; system: string };
  actor: { actor_id: string; actor_type: 'agent' };
  idempotency_key: string;
  correlation_id: string;
  tags: string[];
  payload: Record<string, unknown>;
};

const LATER_TYPES = [
  'InputObserved',
  'PolicyEvaluated',
  'EntityObserved',
  'ActionProposed',
  'ActionCommitted',
  'PrecedentCited',
];

/** Realistic, small payloads of the shapes SPEC §5.3 requires (~600 bytes per envelope). */
function payloadFor(type: string, seq: number): Record<string, unknown> {
  switch (type) {
    case 'TraceStarted':
      return {
        workflow: 'renewal',
        title: 'Renew ACME contract',
        primary_entity: { entity_type: 'account', entity_id: 'acme-1', system: 'crm' },
      };
    case 'InputObserved':
      return {
        input_id: `in-${seq}`,
        source: { system: 'crm', object_type: 'account', object_id: 'acme-1' },
        facts: [{ k: 'arr', v: 120000 }],
      };
    case 'PolicyEvaluated':
      return {
        policy: { policy_id: 'discount-cap', policy_version: 'v3' },
        inputs: [`in-${seq - 1}`],
        decision: 'allow',
      };
    case 'EntityObserved':
      return { entity: { entity_type: 'contact', entity_id: `c-${seq}` }, role: 'related', facts: [] };
    case 'ActionProposed':
      return {
        action_id: `act-${seq}`,
        action_type: 'update',
        target_entity: { entity_type: 'account', entity_id: 'acme-1' },
        target_system: 'crm',
        changes: [{ field: 'discount', to: 10 }],
      };
    case 'ActionCommitted':
      return { action_id: `act-${seq - 1}`, status: 'success', external_reference: 'crm-op-42' };
    default:
      return { cited_trace_id: 'trace-old', reason: 'Same customer last year' };
  }
}

/** The event at `seq` of a trace: TraceStarted at 0, then a rotation of ordinary types. */
export function benchEvent(traceId: string, seq: number): BenchEvent {
  const id = randomUUID();
  const eventType = seq === 0 ? 'TraceStarted' : LATER_TYPES[(seq - 1) % LATER_TYPES.length];
  return {
    event_id: `evt-${id}`,
    trace_id: traceId,
    trace_seq: seq,
    event_type: eventType,
    occurred_at: new Date().toISOString(),
    source: { producer_id: 'bench-producer', system: 'pricing' },
    actor: { actor_id: 'agent-7', actor_type: 'agent' },
    idempotency_key: `idem-${id}`,
    correlation_id: `corr-${traceId}`,
    tags: ['bench'],
    payload: payloadFor(eventType, seq),
  };
}

/**
 * The event at `seq` of a trace of exception requests: TraceStarted at 0, then ExceptionRequested
 * events, each for its own exception, so each one opens a workflow item (SPEC §6.1).
 */
export function exceptionEvent(traceId: string, seq: number): BenchEvent {
  const event = benchEvent(traceId, seq);
  if (seq === 0) return event;
  return {
    ...event,
    event_type: 'ExceptionRequested',
    payload: {
      exception_id: `ex-${seq}`,
      policy: { policy_id: 'discount-cap', policy_version: 'v3' },
      reason: 'Discount above cap',
      evidence: [{ kind: 'quote', quote_id: `q-${seq}`, discount_percent: 18 }],
    },
  };
}

/**
 * Hands out consecutive events over a rotating set of traces owned by one caller, so concurrent
 * callers never contend for a trace lock; a trace is retired after `traceLength` events.
 */
export class TraceCursor {
  private trace = 0;
  private seq = 0;

  constructor(
    private readonly prefix: string,
    private readonly traceLength: number,
    private readonly make: (traceId: string, seq: number) => BenchEvent = benchEvent,
  ) {}

  next(): BenchEvent {
    if (this.seq === this.traceLength) {
      this.trace += 1;
      this.seq = 0;
    }
    return this.make(`${this.prefix}-${this.trace}`, this.seq++);
  }
}
