import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../../src/database/prisma.service';
import { anEvent } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, uniqueTenant } from '../setup/test-app';

describe('decision log on the database', () => {
  let app: NestExpressApplication;
  let prisma: PrismaService;
  beforeAll(async () => {
    app = await createTestApp({ env: GENEROUS_LIMITS });
    prisma = app.get(PrismaService);
  });
  afterAll(() => closeApp(app));

  it('lets exactly one of 20 concurrent appends with the same trace_seq win', async () => {
    const api = apiAs(app, uniqueTenant());
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'race' })).expect(201);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 'race', trace_seq: 1 })),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const loser of results.filter((r) => r.status === 409)) {
      expect(loser.body.error).toMatchObject({ code: 'event_sequence_invalid', details: { expected_trace_seq: 2 } });
    }
  });

  it('appends 20 concurrent events to 20 different traces', async () => {
    const api = apiAs(app, uniqueTenant());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: `par-${i}` })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => r.body.data.event.log_seq)).size).toBe(20);
  });

  it('stores one event when the same idempotency key races on different traces', async () => {
    const tenant = uniqueTenant();
    const api = apiAs(app, tenant);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: `idem-${i}`, idempotency_key: 'same-key' })),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'idempotency_conflict')).toBe(
      true,
    );
    expect(await prisma.eventLog.count({ where: { tenant_id: tenant } })).toBe(1);
  });

  it('has the database refuse UPDATE, DELETE and TRUNCATE on the log', async () => {
    const tenant = uniqueTenant();
    await apiAs(app, tenant)
      .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'immutable' }))
      .expect(201);
    await expect(prisma.$executeRaw`UPDATE dg_event_log SET trace_seq = 9 WHERE tenant_id = ${tenant}`).rejects.toThrow(
      /append-only/,
    );
    await expect(prisma.$executeRaw`DELETE FROM dg_event_log WHERE tenant_id = ${tenant}`).rejects.toThrow(
      /append-only/,
    );
    await expect(prisma.$executeRaw`TRUNCATE dg_event_log`).rejects.toThrow(/append-only/);
    expect(await prisma.eventLog.count({ where: { tenant_id: tenant } })).toBe(1);
  });

  it('fills the precedent index when a trace finishes: its policy events and the finish itself, with their log_seq', async () => {
    const tenant = uniqueTenant();
    const api = apiAs(app, tenant);
    const events = ['TraceStarted', 'PolicyEvaluated', 'ExceptionRequested'].map((t, i) =>
      anEvent(t, { trace_id: 'prec', trace_seq: i }),
    );
    await api.post('/api/v1/events/batch', { events }).expect(201);
    expect(await prisma.precedent.count({ where: { tenant_id: tenant } })).toBe(0);
    await api
      .post(
        '/api/v1/events',
        anEvent('TraceFinished', { trace_id: 'prec', trace_seq: 3, payload: { outcome: 'failure' } }),
      )
      .expect(201);
    const rows = await prisma.precedent.findMany({ where: { tenant_id: tenant }, orderBy: { event_type: 'asc' } });
    expect(
      rows.map((r) => [r.event_type, r.policy_id, r.policy_version, r.outcome, r.entity_type, r.entity_id]),
    ).toEqual([
      ['ExceptionRequested', 'discount-cap', 'v3', 'failure', 'account', 'acme-1'],
      ['PolicyEvaluated', 'discount-cap', 'v3', 'failure', 'account', 'acme-1'],
      ['TraceFinished', null, null, 'failure', 'account', 'acme-1'],
    ]);
    const logged = await prisma.eventLog.findMany({
      where: { tenant_id: tenant, trace_id: 'prec' },
      orderBy: { trace_seq: 'asc' },
    });
    const logSeqOf = (type: string) => logged.find((e) => e.event_type === type)?.log_seq;
    for (const row of rows) {
      expect(row.log_seq).toBe(logSeqOf(row.event_type));
      expect(row.finished_log_seq).toBe(logSeqOf('TraceFinished'));
    }
  });
});
