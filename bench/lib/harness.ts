// Plumbing shared by the benchmarks: the built service as a child process, a lean HTTP client,
// timing statistics and event generators. No Nest, no jest: tsx runs this directly.
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const READY_TIMEOUT_MS = 60_000;
const OUTPUT_TAIL = 16_384;

export type Service = { baseUrl: string; output: () => string; stop: () => Promise<void> };

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** Starts `node dist/main.js` (build first) on a free loopback port and waits for /api/readyz. */
export async function startService(env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', DG_LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', ...env },
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
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`);
    const ready = await fetch(`${baseUrl}/api/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return { baseUrl, output: () => output, stop };
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

  post(path: string, body: unknown): Promise<{ status: number; body: any }> {
    const text = JSON.stringify(body);
    return new Promise((done, fail) => {
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: { ...this.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
        },
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
      req.setTimeout(60_000, () => req.destroy(new Error(`POST ${path} timed out`)));
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

/** Runs `workers` loops in parallel; each calls `step(worker, i)` until the shared counter reaches `total`. */
export async function runConcurrently(total: number, workers: number, step: (worker: number, i: number) => Promise<void>): Promise<bigint> {
  let next = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = next++; i < total; i = next++) await step(worker, i);
    }),
  );
  return now() - started;
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

const LATER_TYPES = ['InputObserved', 'PolicyEvaluated', 'EntityObserved', 'ActionProposed', 'ActionCommitted', 'PrecedentCited'];

/** Realistic, small payloads of the shapes SPEC §5.3 requires (~600 bytes per envelope). */
function payloadFor(type: string, seq: number): Record<string, unknown> {
  switch (type) {
    case 'TraceStarted':
      return { workflow: 'renewal', title: 'Renew ACME contract', primary_entity: { entity_type: 'account', entity_id: 'acme-1', system: 'crm' } };
    case 'InputObserved':
      return { input_id: `in-${seq}`, source: { system: 'crm', object_type: 'account', object_id: 'acme-1' }, facts: [{ k: 'arr', v: 120000 }] };
    case 'PolicyEvaluated':
      return { policy: { policy_id: 'discount-cap', policy_version: 'v3' }, inputs: [`in-${seq - 1}`], decision: 'allow' };
    case 'EntityObserved':
      return { entity: { entity_type: 'contact', entity_id: `c-${seq}` }, role: 'related', facts: [] };
    case 'ActionProposed':
      return { action_id: `act-${seq}`, action_type: 'update', target_entity: { entity_type: 'account', entity_id: 'acme-1' }, target_system: 'crm', changes: [{ field: 'discount', to: 10 }] };
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
 * Hands out consecutive events over a rotating set of traces owned by one caller, so concurrent
 * callers never contend for a trace lock; a trace is retired after `traceLength` events.
 */
export class TraceCursor {
  private trace = 0;
  private seq = 0;

  constructor(
    private readonly prefix: string,
    private readonly traceLength: number,
  ) {}

  next(): BenchEvent {
    if (this.seq === this.traceLength) {
      this.trace += 1;
      this.seq = 0;
    }
    return benchEvent(`${this.prefix}-${this.trace}`, this.seq++);
  }
}
