import { Controller, Get } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { Public } from '../../src/auth/access.decorator';
import { loadConfig } from '../../src/config/app-config';
import { PrismaService } from '../../src/database/prisma.service';
import { LOG_DESTINATION } from '../../src/observability/request-logging';
import { SlaSweepService } from '../../src/sla/sla-sweep.service';
import { InboxCountsRepository } from '../../src/workflow/inbox-counts.repository';
import { anEvent } from '../factories/events';
import { act, openException } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { createOwnDatabase, onPostgres } from '../setup/own-database';
import { closeApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

const HOUR = 3_600_000;
const METRICS_TOKEN = 'metrics-scrape-token-0123';
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** A route that fails the way a bug would: not a DomainError, not an HTTP error. */
@Controller('v1/observability-probe')
class FailingProbeController {
  @Get()
  @Public()
  fail(): never {
    throw new Error('probe failure at line 1');
  }
}

type LogLine = Record<string, unknown> & { level: string; msg: string; request_id?: string };

/** The value of one sample in Prometheus text, e.g. `dg_x_total{a="b"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('observability: JSON request logs and Prometheus metrics', () => {
  let app: NestExpressApplication;
  const written: string[] = [];
  const lines = (): LogLine[] =>
    written
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
  const linesOf = (requestId: string) => lines().filter((l) => l.request_id === requestId);
  const scrape = async (authorization = `Bearer ${METRICS_TOKEN}`) =>
    (await request(app.getHttpServer()).get('/metrics').set('authorization', authorization).expect(200)).text;

  let own: Awaited<ReturnType<typeof createOwnDatabase>> | undefined;

  beforeAll(async () => {
    // The app as main.ts builds it, with its log lines captured instead of written to stdout; no
    // scheduled sweep, so the sweep counted is the test's own. On PostgreSQL, a database of its
    // own: the test sweeps every tenant with a clock two minutes ahead.
    own = onPostgres ? await createOwnDatabase() : undefined;
    const env = {
      ...GENEROUS_LIMITS,
      DG_LOG_LEVEL: 'info',
      DG_METRICS_INBOX_TENANTS: '10000',
      DG_METRICS_INBOX_CACHE_SECONDS: '0',
      DG_METRICS_TOKEN: METRICS_TOKEN,
      DG_SLA_SWEEP_INTERVAL_SECONDS: '86400',
      ...(own ? { DATABASE_URL: own.url } : {}),
    };
    const config = loadConfig({ ...process.env, ...env });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.register(config)],
      controllers: [FailingProbeController],
    })
      .overrideProvider(LOG_DESTINATION)
      .useValue({ write: (chunk: string) => void written.push(chunk) })
      .compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
    configureApp(app);
    await app.init();
  });
  afterAll(async () => {
    await closeApp(app);
    await own?.drop();
  });

  describe('logs', () => {
    it('writes one JSON line per request with its request id, route template, status and duration, and no token or payload', async () => {
      const api = apiAs(app, uniqueTenant(), DEV_TOKENS.writer);
      const started = anEvent('TraceStarted', { trace_id: 'logged-trace' });
      const event = { ...started, payload: { ...(started.payload as object), title: 'payload-marker-5f1c' } };
      await api.post('/api/v1/events', event).set('x-request-id', 'obs-append-1').expect(201);
      await api.get('/api/v1/traces/logged-trace').set('x-request-id', 'obs-read-1').expect(200);
      const unnamed = await api.get('/api/v1/traces/no-such-trace').expect(404);

      expect(linesOf('obs-append-1')).toEqual([
        expect.objectContaining({
          level: 'info',
          msg: 'request completed',
          method: 'POST',
          route: '/api/v1/events',
          status: 201,
          duration_ms: expect.any(Number),
        }),
      ]);
      expect(linesOf('obs-read-1')).toEqual([
        expect.objectContaining({ method: 'GET', route: '/api/v1/traces/:trace_id', status: 200 }),
      ]);
      // The id the app generated is the one in the response header and in the log: one id, not two.
      expect(linesOf(unnamed.headers['x-request-id'])).toEqual([
        expect.objectContaining({ route: '/api/v1/traces/:trace_id', status: 404 }),
      ]);
      const all = written.join('');
      expect(all).not.toContain(DEV_TOKENS.writer);
      expect(all).not.toContain('payload-marker-5f1c');
      expect(all).not.toContain('logged-trace');
    });

    it('logs an unknown error once, at error level, with the request id the 500 answer carries', async () => {
      const res = await request(app.getHttpServer())
        .get('/api/v1/observability-probe')
        .set('x-request-id', 'obs-failure-1')
        .expect(500);
      expect(res.body).toMatchObject({ error: { code: 'internal_error' }, request_id: 'obs-failure-1' });
      const logged = linesOf('obs-failure-1');
      const errors = logged.filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        context: 'AllExceptionsFilter',
        err: { stack: expect.stringContaining('probe failure at line 1') },
      });
      expect(logged.filter((l) => l.level !== 'error')).toEqual([
        expect.objectContaining({ level: 'warn', msg: 'request completed', status: 500 }),
      ]);
    });

    it('does not log probes and scrapes', async () => {
      await request(app.getHttpServer()).get('/api/healthz').set('x-request-id', 'obs-probe-1').expect(200);
      await request(app.getHttpServer()).get('/metrics').set('x-request-id', 'obs-scrape-1').expect(200);
      expect([...linesOf('obs-probe-1'), ...linesOf('obs-scrape-1')]).toEqual([]);
    });
  });

  describe('metrics', () => {
    it('counts and times requests, appends, actions and sweeps, and reports the inbox per tenant', async () => {
      const tenant = uniqueTenant('metrics');
      const api = apiAs(app, tenant, DEV_TOKENS.admin);
      const before = await scrape();
      const count = (text: string, series: string) => sample(text, series) ?? 0;

      // Three open items: one overdue (escalated at creation), one due in 90 s, one fresh.
      await openException(api, 'overdue', {}, { occurred_at: ago(5 * HOUR) });
      await openException(api, 'due-soon', {}, { occurred_at: ago(4 * HOUR - 90_000) });
      const fresh = await openException(api, 'fresh');
      await api
        .post('/api/v1/events/batch', {
          events: [
            anEvent('TraceStarted', { trace_id: 'batch' }),
            anEvent('InputObserved', { trace_id: 'batch', trace_seq: 1 }),
          ],
        })
        .expect(201);
      await api.post('/api/v1/events', anEvent('InputObserved', { trace_id: 'batch', trace_seq: 7 })).expect(409);
      await act(api, fresh.workflowId, { action: 'claim' }).expect(200);
      await act(api, fresh.workflowId, { action: 'comment', note: 'stale' }, { 'If-Match': '"1"' }).expect(412);
      // Two minutes ahead, the sweep has the item due in 90 s to escalate.
      const swept = await app.get(SlaSweepService).sweep(new Date(Date.now() + 120_000));
      const summary = (await api.get('/api/v1/workflows').expect(200)).body.data.summary;
      const after = await scrape();
      const delta = (series: string) => count(after, series) - count(before, series);

      expect(delta('dg_http_requests_total{method="POST",route="/api/v1/events",status="201"}')).toBe(6);
      expect(delta('dg_http_requests_total{method="POST",route="/api/v1/events",status="409"}')).toBe(1);
      expect(
        delta(
          'dg_http_request_duration_seconds_count{method="POST",route="/api/v1/workflows/:workflow_id/actions",status="200"}',
        ),
      ).toBe(1);
      expect(delta('dg_append_duration_seconds_count{mode="single",outcome="ok"}')).toBe(6);
      expect(delta('dg_append_duration_seconds_count{mode="batch",outcome="ok"}')).toBe(1);
      expect(delta('dg_append_duration_seconds_count{mode="single",outcome="event_sequence_invalid"}')).toBe(1);
      expect(delta('dg_append_duration_seconds_sum{mode="single",outcome="ok"}')).toBeGreaterThan(0);
      expect(delta('dg_workflow_action_duration_seconds_count{action="claim",outcome="claimed"}')).toBe(1);
      expect(delta('dg_workflow_action_duration_seconds_count{action="comment",outcome="precondition_failed"}')).toBe(
        1,
      );
      expect(delta('dg_sla_sweep_duration_seconds_count{outcome="ok"}')).toBe(1);
      expect(swept.items).toBeGreaterThanOrEqual(1);
      expect(delta('dg_sla_sweep_items_total')).toBe(swept.items);
      expect(after).toContain('# TYPE dg_webhook_deliveries_total counter');

      expect(summary.open_count).toBe(3);
      expect(summary.overdue_count).toBeGreaterThanOrEqual(1);
      expect(sample(after, `dg_inbox_open_items{tenant="${tenant}"}`)).toBe(summary.open_count);
      expect(sample(after, `dg_inbox_overdue_items{tenant="${tenant}"}`)).toBe(summary.overdue_count);
    });

    it('gives inbox gauges to the tenants with the most open items only, and none to a tenant without any', async () => {
      const busy = uniqueTenant('busy');
      const api = apiAs(app, busy, DEV_TOKENS.admin);
      await openException(api, 'one');
      await openException(api, 'two');
      const idle = uniqueTenant('idle');
      await apiAs(app, idle, DEV_TOKENS.writer)
        .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'no-items' }))
        .expect(201);

      const top = await app.get(InboxCountsRepository).busiestTenants(app.get(PrismaService), new Date(), 2);
      expect(top.length).toBeLessThanOrEqual(2);
      expect(top[0].open).toBeGreaterThanOrEqual(top.at(-1)?.open ?? 0);
      const text = await scrape();
      expect(sample(text, `dg_inbox_open_items{tenant="${busy}"}`)).toBe(2);
      expect(text).not.toContain(`tenant="${idle}"`);
    });

    it.each([
      ['without credentials', ''],
      ['with a wrong token', 'Bearer not-the-metrics-token'],
      ['with another scheme', `Basic ${METRICS_TOKEN}`],
    ])('shows no tenant id to a scrape %s, only the gauges summed over tenants', async (_label, authorization) => {
      const tenant = uniqueTenant('hidden');
      await openException(apiAs(app, tenant, DEV_TOKENS.admin), 'one');
      const shown = await scrape();
      expect(sample(shown, `dg_inbox_open_items{tenant="${tenant}"}`)).toBe(1);

      const text = await scrape(authorization);
      expect(text).not.toContain('tenant=');
      expect(text).not.toContain(tenant);
      expect(sample(text, 'dg_inbox_open_items')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'dg_inbox_overdue_items')).toBeGreaterThanOrEqual(0);
      expect(text).toContain('# TYPE dg_http_requests_total counter');
    });
  });
});
