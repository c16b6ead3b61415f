// HTTP adapter A/B (issue 17): the same build of the service on Express (what main.ts starts) and
// on Fastify (@nestjs/platform-fastify), alternating, on a fresh PostgreSQL database each run:
// single-event ingest at c=16 and c=1 and the approve action at c=1, with throughput, p50/p99 and
// the service process's CPU per request. See bench/README.md, "HTTP adapter A/B".
//
//   npm run build:service
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/http-adapter.ts
//
// BENCH_ROUNDS (default 2) pairs of runs, Express then Fastify, then Fastify then Express, and so
// on; BENCH_SCALE multiplies the counts. The service each run measures is this file started with
// `--serve express|fastify`: the compiled app from dist/ (tsx emits no decorator metadata) booted
// on the adapter named. The Express boot is main.ts's (configureApp). The Fastify boot is an
// experiment, not a supported mode: it mirrors configureApp without the Swagger UI and patches the
// Express-specific pieces of the hot path just enough for ingest and approve to answer as they do
// on Express (see fastifyShims); the console, SSE, MCP, and metrics' route labels are not patched.
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { ValidationPipe, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadavg } from 'node:os';
import { Logger } from 'nestjs-pino';
import type { HttpLogger } from 'pino-http';
import type { Observable } from 'rxjs';
import {
  analyze,
  exceptionEvent,
  fmt,
  GENEROUS_LIMITS,
  JsonClient,
  JsonResponse,
  markdownTable,
  ms,
  now,
  percentile,
  postgresTarget,
  runConcurrently,
  SCALE,
  scaled,
  startService,
  TraceCursor,
  withClient,
} from './lib/harness';

type Adapter = 'express' | 'fastify';

const COUNTS = {
  warmup: scaled(300, 32),
  concurrent: scaled(2_000, 160),
  serial: scaled(1_000, 50),
  approveWarmup: scaled(50, 5),
  approve: scaled(1_000, 50),
};
const CONCURRENCY = 16;
const TRACE_LENGTH = 25;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '2');
/** How long the service is left idle, after the warm-up, to measure its CPU without requests. */
const IDLE_MS = 10_000;
/** The methods whose bodies JsonBodyInterceptor reads (src/common/json-body.interceptor.ts). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

// ---------------------------------------------------------------------------------------------
// The service: `tsx bench/http-adapter.ts --serve express|fastify`

const dist = () => ({
  ...(require('../dist/app.module') as typeof import('../src/app.module')),
  ...(require('../dist/app.setup') as typeof import('../src/app.setup')),
  ...(require('../dist/config/app-config') as typeof import('../src/config/app-config')),
  ...(require('../dist/common/request-id') as typeof import('../src/common/request-id')),
  ...(require('../dist/common/error-codes') as typeof import('../src/common/error-codes')),
  ...(require('../dist/common/storable-text.pipe') as typeof import('../src/common/storable-text.pipe')),
  ...(require('../dist/common/json-body.interceptor') as typeof import('../src/common/json-body.interceptor')),
  ...(require('../dist/observability/graceful-shutdown.service') as typeof import('../src/observability/graceful-shutdown.service')),
  ...(require('../dist/observability/http-metrics.middleware') as typeof import('../src/observability/http-metrics.middleware')),
  ...(require('../dist/observability/metrics.service') as typeof import('../src/observability/metrics.service')),
  ...(require('../dist/observability/request-logging') as typeof import('../src/observability/request-logging')),
});
type Dist = ReturnType<typeof dist>;

async function serve(adapter: Adapter): Promise<void> {
  const d = dist();
  const config = d.loadConfig();
  if (adapter === 'express') {
    // main.ts, less its signal handling (the bench stops the service with SIGTERM either way).
    const app = await NestFactory.create<NestExpressApplication>(d.AppModule.register(config), {
      bodyParser: false,
      bufferLogs: true,
    });
    d.configureApp(app);
    await app.listen(config.port, config.host);
    return;
  }
  // Fastify takes a hop count too (its types leave the number out); false and address lists as Express.
  const fastifyAdapter = new FastifyAdapter({ trustProxy: config.trustProxy as boolean | string[] });
  fastifyShims(fastifyAdapter, d);
  const app = await NestFactory.create<NestFastifyApplication>(d.AppModule.register(config), fastifyAdapter, {
    bodyParser: false,
    bufferLogs: true,
  });
  configureFastify(app, d);
  await app.listen(config.port, config.host);
}

/**
 * What the hot path needs on Fastify, each standing for an Express-specific piece of src/:
 * - Routes: Express 5's named wildcard `*path` is `*` in find-my-way.
 * - Fastify parses JSON before the guards run and answers 415 to other types; the contract reads
 *   a body only after authentication, whatever its type. Its parsers are removed and a catch-all
 *   leaves the stream unread, and JsonBodyInterceptor (express.json on the request) is pointed at
 *   the raw IncomingMessage and its results copied onto Fastify's request.
 * - Middleware (app.use, run by @fastify/middie) sees the raw request, so the request id it sets
 *   is read through a getter on Fastify's request (EnvelopeInterceptor, AllExceptionsFilter).
 * - TenantGuard reads node's `req.headersDistinct`: a getter to the raw request's.
 * - Controllers and the exception filter call Express's `res.setHeader` and `res.json`: shims on
 *   Fastify's reply.
 */
function fastifyShims(adapter: FastifyAdapter, d: Dist): void {
  const fastify = adapter.getInstance();
  // Express 5's named wildcard (`@Get('*path')`, the console) is find-my-way's bare `*`.
  fastify.addHook('onRoute', (route) => {
    route.url = route.url.replace(/\*\w+$/, '*');
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  fastify.decorateRequest('requestId', {
    getter(this: FastifyRequest) {
      return (this.raw as Partial<{ requestId: string }>).requestId;
    },
  });
  fastify.decorateRequest('rawBody', undefined);
  // TenantGuard reads node's headersDistinct (a repeated x-tenant-id), which Fastify's request lacks.
  fastify.decorateRequest('headersDistinct', {
    getter(this: FastifyRequest) {
      return this.raw.headersDistinct;
    },
  });
  fastify.decorateReply('setHeader', function (this: FastifyReply, name: string, value: string) {
    void this.header(name, value);
    return this;
  });
  fastify.decorateReply('json', function (this: FastifyReply, body: unknown) {
    void this.send(body);
    return this;
  });
  type RawRequest = IncomingMessage & { body?: unknown; rawBody?: Buffer };
  type BodyReader = { read(req: IncomingMessage, res: ServerResponse): Promise<void> };
  d.JsonBodyInterceptor.prototype.intercept = async function (
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<FastifyRequest & { rawBody?: Buffer }>();
    if (BODY_METHODS.has(req.method)) {
      await (this as unknown as BodyReader).read(req.raw, context.switchToHttp().getResponse<FastifyReply>().raw);
      const raw = req.raw as RawRequest;
      req.body = raw.body;
      req.rawBody = raw.rawBody;
    }
    return next.handle();
  };
}

/** configureApp (src/app.setup.ts) on Fastify: no Express settings and no Swagger UI (@fastify/static). */
function configureFastify(app: NestFastifyApplication, d: Dist): void {
  app.useLogger(app.get(Logger));
  app.use(d.requestIdMiddleware);
  app.use(app.get<HttpLogger>(d.HTTP_LOGGER));
  app.use(app.get(d.GracefulShutdownService).track);
  app.use(d.httpMetricsMiddleware(app.get(d.MetricsService)));
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'metrics', method: RequestMethod.GET },
      { path: 'mcp', method: RequestMethod.ALL },
      { path: 'console', method: RequestMethod.GET },
      { path: 'console/*path', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(
    new d.StorableTextPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new d.DomainError(
          'invalid_argument',
          errors
            .flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` }))
            .join('; '),
          { fields: errors.map((e) => e.property) },
        ),
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The driver

/** The service process's CPU time so far (user + system), from /proc (Linux; clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * cpuMs: the service's CPU per request; netCpuMs: the same less what the service burns when idle
 * (timers, the change feed) over the measure's wall time, which a slower run would otherwise add
 * to each of its requests.
 */
type Measure = { perSecond: number; p50: number; p99: number; cpuMs: number; netCpuMs: number; samples: number };
type Run = {
  adapter: Adapter;
  round: number;
  load: [number, number];
  /** The service's CPU per second of wall time while no request is sent. */
  idleCpuMsPerSecond: number;
  ingest16: Measure;
  ingest1: Measure;
  approve1: Measure;
};

function expectStatus(res: JsonResponse, status: number, what: string): void {
  if (res.status !== status)
    throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  // The envelope (SPEC §3), with the request id the middleware assigned: the Fastify shims work.
  if (typeof res.body.request_id !== 'string' || !res.body.request_id.startsWith('req_'))
    throw new Error(`${what} answered without its request id: ${JSON.stringify(res.body).slice(0, 500)}`);
}

/** `total` calls of `step` from `workers` callers; per-call latencies, throughput and the service's CPU per call. */
async function measure(
  pid: number,
  idleCpuMsPerSecond: number,
  total: number,
  workers: number,
  step: (worker: number, i: number) => Promise<void>,
): Promise<Measure> {
  const samples: bigint[] = [];
  const cpu0 = processCpuMs(pid);
  const elapsed = await runConcurrently(total, workers, async (worker, i) => {
    const t0 = now();
    await step(worker, i);
    samples.push(now() - t0);
  });
  const cpu = processCpuMs(pid) - cpu0;
  const seconds = ms(elapsed) / 1000;
  return {
    perSecond: total / seconds,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    cpuMs: cpu / total,
    netCpuMs: (cpu - idleCpuMsPerSecond * seconds) / total,
    samples: samples.length,
  };
}

async function oneRun(serverUrl: string, adapter: Adapter, round: number): Promise<Run> {
  const target = await postgresTarget(serverUrl, `dg_bench_http_${adapter}`);
  const load0 = loadavg()[0];
  try {
    const service = await startService({ ...GENEROUS_LIMITS, ...target.serviceEnv }, [
      '--import',
      'tsx',
      __filename,
      '--serve',
      adapter,
    ]);
    try {
      const tenant = `bench-http-${adapter}-${round}-${Date.now()}`;
      const headers = (token: string) => ({ 'x-tenant-id': tenant, authorization: `Bearer ${token}` });
      const writer = new JsonClient(service.baseUrl, headers('dev-writer-token'), CONCURRENCY);
      const reviewer = new JsonClient(service.baseUrl, headers('dev-admin-token'), 1);
      try {
        const cursors = Array.from({ length: CONCURRENCY }, (_, w) => new TraceCursor(`w${w}`, TRACE_LENGTH));
        const append = async (worker: number) =>
          expectStatus(await writer.post('/api/v1/events', cursors[worker].next()), 201, 'append');
        await measure(service.pid, 0, COUNTS.warmup, CONCURRENCY, append);
        await measure(service.pid, 0, Math.ceil(COUNTS.warmup / 4), 1, append);
        await analyze(target.databaseUrl);
        const idle0 = processCpuMs(service.pid);
        await new Promise((r) => setTimeout(r, IDLE_MS));
        const idle = ((processCpuMs(service.pid) - idle0) / IDLE_MS) * 1000;
        const ingest16 = await measure(service.pid, idle, COUNTS.concurrent, CONCURRENCY, append);
        const ingest1 = await measure(service.pid, idle, COUNTS.serial, 1, append);

        // Items opened through the batch endpoint (not measured), then approved one at a time.
        const items = COUNTS.approveWarmup + COUNTS.approve;
        for (let i = 0; i < items; i += 250) {
          const events = Array.from({ length: Math.min(250, items - i) }, (_, k) => [
            exceptionEvent(`approve-${i + k}`, 0),
            exceptionEvent(`approve-${i + k}`, 1),
          ]).flat();
          const res = await writer.post('/api/v1/events/batch', { events });
          expectStatus(res, 201, 'batch');
        }
        await analyze(target.databaseUrl);
        const approve = async (i: number) => {
          const id = encodeURIComponent(`approve-${i}:exception:ex-1`);
          const res = await reviewer.post(`/api/v1/workflows/${id}/actions`, {
            action: 'approve',
            reason: 'Within the regional cap',
          });
          expectStatus(res, 200, 'approve');
          if (res.body.data.action.outcome !== 'approved')
            throw new Error(`approve gave ${res.body.data.action.outcome}`);
        };
        await measure(service.pid, idle, COUNTS.approveWarmup, 1, (_, i) => approve(i));
        const approve1 = await measure(service.pid, idle, COUNTS.approve, 1, (_, i) =>
          approve(COUNTS.approveWarmup + i),
        );
        const approved = await withClient(target.databaseUrl as string, (db) =>
          db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM dg_workflow_items WHERE tenant_id = $1 AND status = 'approved'`,
            [tenant],
          ),
        );
        if (approved.rows[0].n !== items) throw new Error(`${approved.rows[0].n} items approved, wanted ${items}`);
        return { adapter, round, load: [load0, loadavg()[0]], idleCpuMsPerSecond: idle, ingest16, ingest1, approve1 };
      } finally {
        writer.close();
        reviewer.close();
      }
    } catch (e) {
      console.error(`service output (tail):\n${service.output()}`);
      throw e;
    } finally {
      await service.stop();
    }
  } finally {
    await target.cleanup();
  }
}

const cell = (m: Measure, unit: string) =>
  `${fmt(m.perSecond)} ${unit}, ${fmt(m.p50, 1)} / ${fmt(m.p99, 1)} ms, **${fmt(m.cpuMs, 2)} ms** (net ${fmt(m.netCpuMs, 2)})`;

function report(runs: Run[]): string {
  const mean = (adapter: Adapter, pick: (r: Run) => number) => {
    const of = runs.filter((r) => r.adapter === adapter).map(pick);
    return of.reduce((a, b) => a + b, 0) / of.length;
  };
  const workloads: [string, (r: Run) => Measure][] = [
    [`ingest c=${CONCURRENCY}`, (r) => r.ingest16],
    ['ingest c=1', (r) => r.ingest1],
    ['approve c=1', (r) => r.approve1],
  ];
  const summary = workloads.flatMap(([label, pick]) =>
    (['perSecond', 'p50', 'p99', 'cpuMs', 'netCpuMs'] as const).map((k) => {
      const [e, f] = [mean('express', (r) => pick(r)[k]), mean('fastify', (r) => pick(r)[k])];
      return [`${label}: ${k}`, fmt(e, 2), fmt(f, 2), `${fmt(f / e, 2)}×`];
    }),
  );
  return [
    `HTTP adapter A/B — ${new Date().toISOString()}, node ${process.version}, BENCH_SCALE=${SCALE}, ${ROUNDS} rounds`,
    `counts: ingest ${COUNTS.concurrent} at c=${CONCURRENCY} and ${COUNTS.serial} at c=1 (after ${COUNTS.warmup} + ${Math.ceil(COUNTS.warmup / 4)} warm-up); approve ${COUNTS.approve} at c=1 (after ${COUNTS.approveWarmup}); a fresh database per run`,
    '',
    'Each cell: throughput, p50 / p99 latency, **service CPU per request** (net of its idle CPU over the same time).',
    '',
    markdownTable(
      ['run', 'load 1-min (start → end)', 'idle CPU', `ingest c=${CONCURRENCY}`, 'ingest c=1', 'approve c=1'],
      runs.map((r) => [
        `${r.round + 1}. ${r.adapter}`,
        `${fmt(r.load[0], 2)} → ${fmt(r.load[1], 2)}`,
        `${fmt(r.idleCpuMsPerSecond, 1)} ms/s`,
        cell(r.ingest16, 'ev/s'),
        cell(r.ingest1, 'ev/s'),
        cell(r.approve1, '/s'),
      ]),
      'llllll',
    ),
    '',
    'Means over the runs (per second, ms):',
    '',
    markdownTable(['measure', 'Express', 'Fastify', 'Fastify / Express'], summary),
  ].join('\n');
}

async function main(): Promise<number> {
  const serveAt = process.argv.indexOf('--serve');
  if (serveAt >= 0) {
    const adapter = process.argv[serveAt + 1];
    if (adapter !== 'express' && adapter !== 'fastify') throw new Error('--serve express|fastify');
    await serve(adapter);
    return -1; // keep serving
  }
  const serverUrl = process.env.BENCH_DATABASE_URL ?? '';
  if (!/^postgres(ql)?:\/\//.test(serverUrl)) {
    console.error('usage: BENCH_DATABASE_URL=postgres://user@host:5432/db npx tsx bench/http-adapter.ts');
    return 2;
  }
  const runs: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order: Adapter[] = round % 2 === 0 ? ['express', 'fastify'] : ['fastify', 'express'];
    for (const adapter of order) {
      const run = await oneRun(serverUrl, adapter, round);
      console.error(`done: round ${round + 1} ${adapter} (load ${fmt(run.load[0], 2)} → ${fmt(run.load[1], 2)})`);
      runs.push(run);
    }
  }
  console.log(report(runs));
  return 0;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
