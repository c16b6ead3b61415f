import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventHash, payloadHash } from '../../src/ingestion/event-hashing';
import type { StoredEvent } from '../../src/ingestion/stored-event';
import { anEvent, EventBody } from '../factories/events';
import { ServiceProcess, startService } from '../setup/service-process';

// Kills the real service with SIGKILL in the middle of a concurrent append load, restarts it on the
// same data and checks that every acknowledged append survived exactly once, with intact per-trace
// sequences and hash chains. Requests in flight at the kill may or may not have landed; whatever
// landed must verify, and a batch lands whole or not at all.

const WORKERS = 8;
const TRACES = 30;
const LOAD_MS = 2_500;
const MIN_ACKED = 20;
const KILL_DEADLINE_MS = 20_000;
const MAX_REQUESTS_PER_WORKER = 2_000;
const REQUEST_TIMEOUT_MS = 15_000;
const FEED_PAGE = 1000;
const MAX_FEED_PAGES = 200;
const LATER_TYPES = [
  'InputObserved',
  'EntityObserved',
  'PolicyEvaluated',
  'PrecedentCited',
  'ActionProposed',
  'ActionCommitted',
];

const LIMITS = {
  DG_RATE_LIMIT_READ_PER_MINUTE: '10000000',
  DG_RATE_LIMIT_WRITE_PER_MINUTE: '10000000',
  DG_RATE_LIMIT_ADMIN_PER_MINUTE: '10000000',
  DG_LOG_LEVEL: 'warn',
};

type Outcome = 'pending' | 'acked' | 'uncertain' | 'refused';
type SentRequest = {
  traceId: string;
  batch: boolean;
  events: EventBody[];
  outcome: Outcome;
  detail?: string;
  acked?: StoredEvent[];
};

class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly tenant: string,
  ) {}

  async send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-tenant-id': this.tenant,
        authorization: 'Bearer dev-writer-token',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, body: await response.json() };
  }
}

/** Bounded concurrent appenders: each request takes a free trace, appends its next trace_seq events, gives it back. */
class AppendLoad {
  readonly requests: SentRequest[] = [];
  private readonly free: string[];
  private readonly nextSeq = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly api: Api,
    readonly traceIds: string[],
  ) {
    this.free = [...traceIds];
    for (const id of traceIds) this.nextSeq.set(id, 0);
  }

  run(workers: number): Promise<void[]> {
    return Promise.all(Array.from({ length: workers }, () => this.worker()));
  }

  stop(): void {
    this.stopped = true;
  }

  count(outcome: Outcome): number {
    return this.requests.filter((r) => r.outcome === outcome).length;
  }

  private async worker(): Promise<void> {
    for (let i = 0; i < MAX_REQUESTS_PER_WORKER && !this.stopped && this.free.length; i++) {
      const traceId = this.free.splice(Math.floor(Math.random() * this.free.length), 1)[0];
      const request = this.nextRequest(traceId);
      this.requests.push(request);
      await this.send(request);
      // A trace whose last append has an unknown fate is retired: its next trace_seq is unknown.
      if (request.outcome === 'acked') {
        this.nextSeq.set(traceId, (this.nextSeq.get(traceId) as number) + request.events.length);
        this.free.push(traceId);
      }
    }
  }

  private nextRequest(traceId: string): SentRequest {
    const start = this.nextSeq.get(traceId) as number;
    const batch = Math.random() < 0.5;
    const size = batch ? 1 + Math.floor(Math.random() * 4) : 1;
    const events = Array.from({ length: size }, (_, i) => {
      const seq = start + i;
      const type = seq === 0 ? 'TraceStarted' : LATER_TYPES[seq % LATER_TYPES.length];
      return anEvent(type, { trace_id: traceId, trace_seq: seq });
    });
    return { traceId, batch, events, outcome: 'pending' };
  }

  private async send(request: SentRequest): Promise<void> {
    try {
      const res = request.batch
        ? await this.api.send('POST', '/api/v1/events/batch', { events: request.events })
        : await this.api.send('POST', '/api/v1/events', request.events[0]);
      if (res.status !== 201) {
        request.outcome = 'refused';
        request.detail = `${res.status} ${JSON.stringify(res.body.error ?? res.body)}`;
        return;
      }
      request.outcome = 'acked';
      request.acked = request.batch
        ? res.body.data.events.map((r: { event: StoredEvent }) => r.event)
        : [res.body.data.event];
    } catch (e) {
      request.outcome = 'uncertain';
      request.detail = String((e as Error).cause ?? e);
    }
  }
}

/** The tenant's whole feed, in log_seq order. */
async function readFeed(api: Api): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let since = 0;
  for (let page = 0; page < MAX_FEED_PAGES; page++) {
    const res = await api.send('GET', `/api/v1/events?since_log_seq=${since}&limit=${FEED_PAGE}`);
    expect(res.status).toBe(200);
    events.push(...res.body.data.events);
    if (res.body.data.events.length < FEED_PAGE) return events;
    since = res.body.data.next_since_log_seq;
  }
  throw new Error(`feed longer than ${MAX_FEED_PAGES} pages`);
}

/** Problems with one trace's events (ordered by trace_seq): gaps, broken links, wrong hashes. */
function chainProblems(traceId: string, events: StoredEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((e, i) => {
    const at = `${traceId}#${i}`;
    if (e.trace_seq !== i) problems.push(`${at}: trace_seq ${e.trace_seq}`);
    const expectedPrev = i === 0 ? null : events[i - 1].event_hash;
    if (e.prev_event_hash !== expectedPrev) problems.push(`${at}: prev_event_hash does not link`);
    if (payloadHash(e.payload) !== e.payload_hash) problems.push(`${at}: payload_hash does not verify`);
    if (eventHash(e) !== e.event_hash) problems.push(`${at}: event_hash does not verify`);
  });
  return problems;
}

function serviceEnv(dataDir: string): Record<string, string> {
  const url = process.env.DATABASE_URL ?? '';
  // pglite:memory:// (the default test setup) cannot be shared with a child process: use a directory.
  if (/^postgres(ql)?:\/\//.test(url)) return { ...LIMITS, DATABASE_URL: url, DG_MIGRATE_ON_START: 'true' };
  return { ...LIMITS, DG_DATA_DIR: join(dataDir, 'pgdata') };
}

async function waitForLoad(load: AppendLoad): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < KILL_DEADLINE_MS) {
    if (Date.now() - started >= LOAD_MS && load.count('acked') >= MIN_ACKED) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('crash recovery of the built service', () => {
  let dir: string;
  let server: ServiceProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dg-crash-'));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged append exactly once, with intact sequences and hash chains, after SIGKILL mid-load', async () => {
    const tenant = `crash-${randomUUID().slice(0, 8)}`;
    const env = serviceEnv(dir);
    server = await startService(env);
    const traceIds = Array.from({ length: TRACES }, (_, i) => `crash-trace-${i}`);
    const load = new AppendLoad(new Api(server.baseUrl, tenant), traceIds);
    const running = load.run(WORKERS);
    await waitForLoad(load);
    const killed = server.stop('SIGKILL');
    load.stop();
    await Promise.all([killed, running]);
    server = undefined;

    // Before the kill every response must have been a 201; after it, only connection failures.
    expect(load.requests.filter((r) => r.outcome === 'refused').map((r) => r.detail)).toEqual([]);
    expect(load.count('acked')).toBeGreaterThanOrEqual(MIN_ACKED);

    server = await startService(env);
    const api = new Api(server.baseUrl, tenant);
    const feed = await readFeed(api);

    const stored = new Map<string, StoredEvent>();
    const duplicates: string[] = [];
    for (const e of feed) {
      if (stored.has(e.event_id)) duplicates.push(e.event_id);
      stored.set(e.event_id, e);
    }
    expect(duplicates).toEqual([]);
    const sent = new Set(load.requests.flatMap((r) => r.events.map((e) => e.event_id as string)));
    expect(feed.filter((e) => !sent.has(e.event_id)).map((e) => e.event_id)).toEqual([]);
    expect(feed.every((e, i) => i === 0 || e.log_seq > feed[i - 1].log_seq)).toBe(true);

    const lost: string[] = [];
    const changed: string[] = [];
    const torn: string[] = [];
    for (const request of load.requests) {
      if (request.outcome === 'acked') {
        for (const ack of request.acked as StoredEvent[]) {
          const found = stored.get(ack.event_id);
          if (!found) lost.push(ack.event_id);
          else if (JSON.stringify(sorted(found)) !== JSON.stringify(sorted(ack))) changed.push(ack.event_id);
        }
      } else {
        const landed = request.events.filter((e) => stored.has(e.event_id as string)).length;
        if (landed !== 0 && landed !== request.events.length)
          torn.push(`${request.traceId}: ${landed}/${request.events.length}`);
      }
    }
    expect({ lost, changed, torn }).toEqual({ lost: [], changed: [], torn: [] });

    const problems: string[] = [];
    for (const traceId of traceIds) {
      const events = feed.filter((e) => e.trace_id === traceId);
      problems.push(
        ...chainProblems(
          traceId,
          [...events].sort((a, b) => a.trace_seq - b.trace_seq),
        ),
      );
      const trace = await api.send('GET', `/api/v1/traces/${traceId}`);
      if (events.length === 0) {
        if (trace.status !== 404) problems.push(`${traceId}: no events but trace read answered ${trace.status}`);
      } else if (trace.status !== 200) {
        problems.push(`${traceId}: trace read answered ${trace.status}`);
      } else {
        const ids = trace.body.data.events.map((e: StoredEvent) => e.event_id);
        if (JSON.stringify(ids) !== JSON.stringify(events.map((e) => e.event_id)))
          problems.push(`${traceId}: trace read differs from the feed`);
        if (trace.body.data.summary.event_count !== events.length)
          problems.push(`${traceId}: summary counts ${trace.body.data.summary.event_count}`);
      }
      // The chain head the service keeps must agree with the log: the next append links to the last event.
      const next = anEvent(events.length ? 'PolicyEvaluated' : 'TraceStarted', {
        trace_id: traceId,
        trace_seq: events.length,
      });
      const appended = await api.send('POST', '/api/v1/events', next);
      if (appended.status !== 201)
        problems.push(
          `${traceId}: append after restart answered ${appended.status} ${JSON.stringify(appended.body.error)}`,
        );
      else if (appended.body.data.event.prev_event_hash !== (events.at(-1)?.event_hash ?? null))
        problems.push(`${traceId}: append after restart does not link`);
    }
    expect(problems).toEqual([]);
    expect(await server.stop()).toBe(0);
    server = undefined;
  }, 120_000);
});

/** A JSON-comparable copy with keys in a fixed order (the stored source/payload come back from JSONB reordered). */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
  );
}
