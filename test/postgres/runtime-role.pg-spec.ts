import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import request from 'supertest';
import { anEvent } from '../factories/events';
import { anException } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { createOwnDatabase } from '../setup/own-database';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

/**
 * SPEC §15: migrations run as the owner (here the test server's superuser); the service runs as a
 * login role that is a member of decisiongraph_app (created by the runtime_role migration), and
 * that role cannot rewrite the decision log nor switch off its append-only trigger.
 */
describe('the runtime database role (SPEC §15)', () => {
  const login = `dg_runtime_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let database: { url: string; drop: () => Promise<void> };
  let runtimeUrl: string;
  let owner: NestExpressApplication | undefined;
  let service: NestExpressApplication | undefined;
  let runtime: Client;
  const tenant = uniqueTenant('role');

  const asServer = async (sql: string) => {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = await createOwnDatabase();
    // The owner applies the migrations (DG_MIGRATE_ON_START, as `migrate deploy` would).
    owner = await createTestApp({ env: { ...GENEROUS_LIMITS, DATABASE_URL: database.url } });
    await apiAs(owner, tenant, DEV_TOKENS.writer)
      .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'before' }))
      .expect(201);
    await closeApp(owner);
    owner = undefined;

    await asServer(`CREATE ROLE ${login} LOGIN IN ROLE decisiongraph_app`);
    const url = new URL(database.url);
    url.username = login;
    url.password = '';
    runtimeUrl = url.toString();
    runtime = new Client({ connectionString: runtimeUrl });
    await runtime.connect();
    service = await createTestApp({
      env: { ...GENEROUS_LIMITS, DATABASE_URL: runtimeUrl, DG_MIGRATE_ON_START: 'false' },
    });
  });
  afterAll(async () => {
    await runtime?.end();
    await closeApp(service);
    await closeApp(owner);
    await database?.drop();
    await asServer(`DROP ROLE IF EXISTS ${login}`);
  });

  const refused = async (sql: string) => {
    const error = await runtime.query(sql).then(
      () => undefined,
      (e: { code?: string; message: string }) => e,
    );
    return error && { code: error.code, message: error.message };
  };

  it('cannot disable or drop the append-only trigger, nor alter or drop the log', async () => {
    for (const sql of [
      'ALTER TABLE dg_event_log DISABLE TRIGGER dg_event_log_append_only',
      'ALTER TABLE dg_event_log DISABLE TRIGGER ALL',
      'DROP TRIGGER dg_event_log_append_only ON dg_event_log',
      'ALTER TABLE dg_event_log OWNER TO CURRENT_USER',
      'DROP TABLE dg_event_log',
    ]) {
      expect([sql, await refused(sql)]).toEqual([
        sql,
        { code: '42501', message: expect.stringMatching(/must be owner/) },
      ]);
    }
  });

  it('cannot update, delete or truncate the log: permission denied before any trigger runs', async () => {
    for (const sql of [
      `UPDATE dg_event_log SET producer_id = 'rewritten'`,
      'DELETE FROM dg_event_log',
      'TRUNCATE dg_event_log',
      `DELETE FROM _prisma_migrations`,
    ]) {
      expect([sql, await refused(sql)]).toEqual([
        sql,
        { code: '42501', message: expect.stringMatching(/permission denied/) },
      ]);
    }
    const { rows } = await runtime.query('SELECT count(*)::int AS n FROM dg_event_log WHERE tenant_id = $1', [tenant]);
    expect(rows[0].n).toBe(1);
  });

  it('runs the service: ready, appends, workflow actions and reads', async () => {
    const app = service as NestExpressApplication;
    expect((await request(app.getHttpServer()).get('/api/readyz')).status).toBe(200);
    const writer = apiAs(app, tenant, DEV_TOKENS.writer);
    await writer.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'after' })).expect(201);
    await writer.post('/api/v1/events', anException('after', 1)).expect(201);
    const admin = apiAs(app, tenant, DEV_TOKENS.admin);
    const item = encodeURIComponent('after:exception:ex-1');
    await admin.post(`/api/v1/workflows/${item}/actions`, { action: 'approve', reason: 'fine' }).expect(200);
    expect((await admin.get(`/api/v1/workflows/${item}`).expect(200)).body.data.workflow.status).toBe('approved');
    expect((await writer.get('/api/v1/traces/before').expect(200)).body.data).toBeDefined();
    const { rows } = await runtime.query('SELECT count(*)::int AS n FROM dg_event_log WHERE tenant_id = $1', [tenant]);
    expect(rows[0].n).toBeGreaterThanOrEqual(3);
  });
});
