import type { NestExpressApplication } from '@nestjs/platform-express';
import { eventHash, payloadHash } from '../../src/ingestion/event-hashing';
import type { StoredEvent } from '../../src/ingestion/stored-event';
import { anEvent } from '../factories/events';
import { act, anException, exceptionWorkflowId } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

// On PostgreSQL an HTTP append runs on the pg driver, hooks and precedent index included; an
// approve's ApprovalRecorded is planned by the same planner and written with the action's one
// statement (WorkflowActionsService), and every retry runs through Prisma (EventAppenderService). These tests mix both in one trace and refuse appends on a pool of two
// connections; on the embedded database every append takes the Prisma path and the same
// behaviour is expected.
describe('appends on either transaction path', () => {
  let app: NestExpressApplication;
  beforeAll(async () => {
    app = await createTestApp({ env: { ...GENEROUS_LIMITS, DG_DATABASE_POOL_SIZE: '2' } });
  });
  afterAll(() => closeApp(app));

  it('keeps one hash chain through a trace whose events take different paths', async () => {
    const tenant = uniqueTenant();
    const api = apiAs(app, tenant);
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'mixed' })).expect(201);
    await api.post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 'mixed', trace_seq: 1 })).expect(201);
    await api.post('/api/v1/events', anException('mixed', 2)).expect(201);
    const approved = await act(apiAs(app, tenant, DEV_TOKENS.admin), exceptionWorkflowId('mixed'), {
      action: 'approve',
      reason: 'within policy',
    });
    expect(approved.status).toBe(200);
    for (const [seq, type] of ['ActionProposed', 'ActionCommitted', 'TraceFinished'].entries()) {
      await api.post('/api/v1/events', anEvent(type, { trace_id: 'mixed', trace_seq: seq + 4 })).expect(201);
    }
    const types = [
      'TraceStarted',
      'PolicyEvaluated',
      'ExceptionRequested',
      'ApprovalRecorded',
      'ActionProposed',
      'ActionCommitted',
      'TraceFinished',
    ];
    const trace = await api.get('/api/v1/traces/mixed').expect(200);
    const events = trace.body.data.events as StoredEvent[];
    expect(events.map((e) => e.event_type)).toEqual(types);
    events.forEach((e, i) => {
      expect(e.prev_event_hash).toBe(i === 0 ? null : events[i - 1].event_hash);
      expect(e.payload_hash).toBe(payloadHash(e.payload));
      expect(e.event_hash).toBe(eventHash(e));
      if (i > 0) expect(e.log_seq).toBeGreaterThan(events[i - 1].log_seq);
    });
    expect(trace.body.data.summary).toMatchObject({ event_count: 7, outcome: 'success' });
    expect(trace.body.data.workflows).toMatchObject([
      { workflow_id: exceptionWorkflowId('mixed'), status: 'approved' },
    ]);
    const precedents = await api.get('/api/v1/precedents?policy_id=discount-cap').expect(200);
    expect(precedents.body.data.precedents.map((p: { trace_id: string }) => p.trace_id)).toEqual(['mixed']);
  });

  it('keeps serving after refused appends: each rolled-back transaction returns its connection', async () => {
    const api = apiAs(app, uniqueTenant());
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'refusals' })).expect(201);
    for (let i = 0; i < 6; i++) {
      const outOfSequence = await api.post(
        '/api/v1/events',
        anEvent('PolicyEvaluated', { trace_id: 'refusals', trace_seq: 5 }),
      );
      expect(outOfSequence.body.error).toMatchObject({
        code: 'event_sequence_invalid',
        details: { expected_trace_seq: 1 },
      });
    }
    const concurrent = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: `refusals-${i % 2}` })),
      ),
    );
    expect(concurrent.map((r) => r.status).sort()).toEqual([201, 201, 409, 409, 409, 409, 409, 409]);
    await api.post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 'refusals', trace_seq: 1 })).expect(201);
  });
});
