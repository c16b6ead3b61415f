import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { anEvent } from '../factories/events';
import { anException } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { CuttableProxy } from '../setup/tcp-proxy';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

describe('PostgreSQL unavailable (SPEC §3, §5.5: 503 storage, then recovery)', () => {
  let proxy: CuttableProxy;
  let app: NestExpressApplication;
  const tenant = uniqueTenant('outage');

  beforeAll(async () => {
    const url = new URL(process.env.DATABASE_URL as string);
    proxy = await CuttableProxy.start(url);
    app = await createTestApp({ env: { ...GENEROUS_LIMITS, DATABASE_URL: CuttableProxy.via(url, proxy) } });
  });
  afterAll(async () => {
    proxy.restore();
    await closeApp(app);
    await proxy.stop();
  });

  it('answers 503 storage while the database is away, reports not ready, and takes the retried event once it is back', async () => {
    const api = apiAs(app, tenant, DEV_TOKENS.admin);
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'out' })).expect(201);
    const exception = anException('out', 1);
    // Requested by the writer, decided by the admin (separation of duties, SPEC §11).
    const requester = apiAs(app, tenant, DEV_TOKENS.writer);
    await requester.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'decided' })).expect(201);
    await requester.post('/api/v1/events', anException('decided', 1)).expect(201);
    const decided = encodeURIComponent('decided:exception:ex-1');

    proxy.cut();
    const approve = await api.post(`/api/v1/workflows/${decided}/actions`, { action: 'approve', reason: 'ok' });
    expect([approve.status, approve.body.error?.code]).toEqual([503, 'storage']);
    const append = await api.post('/api/v1/events', exception);
    expect(append.status).toBe(503);
    expect(append.body).toEqual({
      error: { code: 'storage', message: expect.any(String), details: {} },
      request_id: expect.any(String),
    });
    expect((await api.get('/api/v1/workflows')).status).toBe(503);
    expect((await api.get('/api/v1/traces/out')).body.error.code).toBe('storage');
    const ready = await request(app.getHttpServer()).get('/api/readyz');
    expect(ready.status).toBe(503);

    proxy.restore();
    // Readiness is checked at most once a second (SPEC §15): poll until a fresh check sees the database.
    for (let i = 0; (await request(app.getHttpServer()).get('/api/readyz')).status !== 200; i++) {
      if (i > 50) throw new Error('never ready again');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const retried = await api.post('/api/v1/events', exception).expect(201);
    expect(retried.body.data.replayed).toBe(false);
    const trace = (await api.get('/api/v1/traces/out').expect(200)).body.data;
    expect(trace.events.map((e: { trace_seq: number }) => e.trace_seq)).toEqual([0, 1]);
    expect(trace.workflows).toHaveLength(1);
    // The approval refused during the outage left the item open, and it can be approved now.
    const item = (await api.get(`/api/v1/workflows/${decided}`).expect(200)).body.data;
    expect([item.workflow.status, item.workflow.version]).toEqual(['requested', 1]);
    await api.post(`/api/v1/workflows/${decided}/actions`, { action: 'approve', reason: 'ok' }).expect(200);
  });
});
