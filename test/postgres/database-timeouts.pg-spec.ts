import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import { anEvent } from '../factories/events';
import { anException } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { CuttableProxy } from '../setup/tcp-proxy';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

const BOUNDS = {
  DG_DATABASE_LOCK_TIMEOUT_MS: '300',
  DG_DATABASE_STATEMENT_TIMEOUT_MS: '500',
  DG_DATABASE_CONNECT_TIMEOUT_MS: '1000',
};

/** Another session on the same database, as a stuck job or a second service would hold locks. */
async function otherSession(): Promise<Client> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  return client;
}

const storage503 = {
  error: { code: 'storage', message: expect.any(String), details: {} },
  request_id: expect.any(String),
};

/** SPEC §15: a wait past the database bounds is 503 `storage`, never a hung request. */
describe('database waits are bounded (lock and statement timeouts)', () => {
  let app: NestExpressApplication;
  let other: Client;

  beforeAll(async () => {
    app = await createTestApp({ env: { ...GENEROUS_LIMITS, ...BOUNDS } });
    other = await otherSession();
  });
  afterAll(async () => {
    await other?.end();
    await closeApp(app);
  });

  it('answers 503 storage to an append whose trace lock another session holds, and appends once it is free', async () => {
    const tenant = uniqueTenant('locked');
    const api = apiAs(app, tenant);
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'held' })).expect(201);
    await other.query(`SELECT pg_advisory_lock(hashtextextended($1 || chr(31) || $2, 0))`, [tenant, 'held']);
    const next = anEvent('InputObserved', { trace_id: 'held', trace_seq: 1 });
    try {
      const res = await api.post('/api/v1/events', next);
      expect(res.status).toBe(503);
      expect(res.body).toEqual(storage503);
      const batch = await api.post('/api/v1/events/batch', { events: [next] });
      expect(batch.status).toBe(503);
    } finally {
      await other.query(`SELECT pg_advisory_unlock_all()`);
    }
    const appended = await api.post('/api/v1/events', next).expect(201);
    expect(appended.body.data.replayed).toBe(false);
  });

  it('answers 503 storage to an action on an item whose row another transaction has locked', async () => {
    const tenant = uniqueTenant('row');
    const api = apiAs(app, tenant, DEV_TOKENS.admin);
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'row' })).expect(201);
    await api.post('/api/v1/events', anException('row', 1)).expect(201);
    const wf = encodeURIComponent('row:exception:ex-1');
    await other.query('BEGIN');
    try {
      await other.query(`SELECT 1 FROM dg_workflow_items WHERE tenant_id = $1 FOR UPDATE`, [tenant]);
      const res = await api.post(`/api/v1/workflows/${wf}/actions`, { action: 'comment', note: 'waiting' });
      expect(res.status).toBe(503);
      expect(res.body).toEqual(storage503);
    } finally {
      await other.query('ROLLBACK');
    }
    await api.post(`/api/v1/workflows/${wf}/actions`, { action: 'comment', note: 'free' }).expect(200);
    const { workflow } = (await api.get(`/api/v1/workflows/${wf}`).expect(200)).body.data;
    expect(workflow.version).toBe(2);
  });
});

describe('a database that silently stops answering (dropped packets)', () => {
  let proxy: CuttableProxy;
  let app: NestExpressApplication;

  beforeAll(async () => {
    const url = new URL(process.env.DATABASE_URL as string);
    proxy = await CuttableProxy.start(url);
    app = await createTestApp({ env: { ...GENEROUS_LIMITS, ...BOUNDS, DATABASE_URL: CuttableProxy.via(url, proxy) } });
  });
  afterAll(async () => {
    proxy.restore();
    await closeApp(app);
    await proxy.stop();
  });

  it('answers 503 storage within the bounds, writes nothing, and recovers without a restart', async () => {
    const api = apiAs(app, uniqueTenant('stall'));
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'quiet' })).expect(201);
    const next = anEvent('InputObserved', { trace_id: 'quiet', trace_seq: 1 });

    proxy.stall();
    const [append, read] = await Promise.all([api.post('/api/v1/events', next), api.get('/api/v1/workflows')]);
    expect([append.status, append.body]).toEqual([503, storage503]);
    expect([read.status, read.body.error?.code]).toEqual([503, 'storage']);

    proxy.restore();
    const trace = (await api.get('/api/v1/traces/quiet').expect(200)).body.data;
    expect(trace.events.map((e: { trace_seq: number }) => e.trace_seq)).toEqual([0]);
    const appended = await api.post('/api/v1/events', next).expect(201);
    expect(appended.body.data.replayed).toBe(false);
  });
});
