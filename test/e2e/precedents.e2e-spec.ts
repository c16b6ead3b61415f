import { anEvent } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { uniqueTenant, useTestApp } from '../setup/test-app';

describe('GET /api/v1/precedents', () => {
  let api: ReturnType<typeof apiAs>;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeAll(async () => {
    api = apiAs(app, uniqueTenant());
    const finished = async (
      traceId: string,
      entity: string,
      policy: string,
      version: string,
      outcome: string,
      at: string,
    ) => {
      const events = [
        anEvent('TraceStarted', {
          trace_id: traceId,
          payload: {
            workflow: 'renewal',
            title: traceId,
            primary_entity: { entity_type: 'account', entity_id: entity },
          },
        }),
        anEvent('PolicyEvaluated', {
          trace_id: traceId,
          trace_seq: 1,
          payload: { policy: { policy_id: policy, policy_version: version }, inputs: [], decision: 'deny' },
        }),
        anEvent('ExceptionRequested', {
          trace_id: traceId,
          trace_seq: 2,
          payload: { exception_id: 'x', policy: { policy_id: policy, policy_version: version }, reason: 'r' },
        }),
        anEvent('TraceFinished', { trace_id: traceId, trace_seq: 3, occurred_at: at, payload: { outcome } }),
      ];
      await api.post('/api/v1/events/batch', { events }).expect(201);
    };
    await finished('p1', 'acme', 'cap', 'v1', 'success', '2026-11-01T00:00:00Z');
    await finished('p2', 'acme', 'cap', 'v2', 'failure', '2026-11-02T00:00:00Z');
    await finished('p3', 'globex', 'terms', 'v1', 'success', '2026-11-03T00:00:00Z');
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'open' })).expect(201);
  });

  const ids = async (query: string) =>
    (await api.get(`/api/v1/precedents${query}`).expect(200)).body.data.precedents.map(
      (p: { trace_id: string }) => p.trace_id,
    );

  it('lists finished traces newest first, one row each', async () => {
    const res = await api.get('/api/v1/precedents').expect(200);
    expect(res.body.data.precedents[0]).toEqual({
      trace_id: 'p3',
      workflow: 'renewal',
      title: 'p3',
      outcome: 'success',
      policy_id: 'terms',
      policy_version: 'v1',
      finished_at: '2026-11-03T00:00:00.000Z',
    });
    expect(await ids('')).toEqual(['p3', 'p2', 'p1']);
  });

  it('filters by entity, policy, version and outcome', async () => {
    expect(await ids('?entity_type=account&entity_id=acme')).toEqual(['p2', 'p1']);
    expect(await ids('?policy_id=cap&policy_version=v1')).toEqual(['p1']);
    expect(await ids('?outcome=failure')).toEqual(['p2']);
    expect(await ids('?limit=1')).toEqual(['p3']);
  });

  describe('one row per trace', () => {
    let own: ReturnType<typeof apiAs>;
    const rows = async (query: string) =>
      (await own.get(`/api/v1/precedents${query}`).expect(200)).body.data.precedents;
    beforeAll(async () => {
      own = apiAs(app, uniqueTenant());
      const at = '2026-11-10T00:00:00Z';
      const start = (traceId: string) =>
        anEvent('TraceStarted', {
          trace_id: traceId,
          payload: { workflow: 'w', title: traceId, primary_entity: { entity_type: 'account', entity_id: 'initech' } },
        });
      const policy = (traceId: string, seq: number, id: string) =>
        anEvent('PolicyEvaluated', {
          trace_id: traceId,
          trace_seq: seq,
          payload: { policy: { policy_id: id, policy_version: 'v1' }, inputs: [], decision: 'allow' },
        });
      const exception = (traceId: string, seq: number, id: string) =>
        anEvent('ExceptionRequested', {
          trace_id: traceId,
          trace_seq: seq,
          payload: { exception_id: 'x', policy: { policy_id: id, policy_version: 'v1' }, reason: 'r' },
        });
      const finish = (traceId: string, seq: number) =>
        anEvent('TraceFinished', {
          trace_id: traceId,
          trace_seq: seq,
          occurred_at: at,
          payload: { outcome: 'success' },
        });
      // Appended in this order, all finished at the same instant.
      const traces = [
        [start('bare'), finish('bare', 1)],
        [
          start('two-policies'),
          policy('two-policies', 1, 'limits'),
          policy('two-policies', 2, 'terms'),
          finish('two-policies', 3),
        ],
        [
          start('with-exception'),
          exception('with-exception', 1, 'cap'),
          policy('with-exception', 2, 'terms'),
          finish('with-exception', 3),
        ],
      ];
      for (const events of traces) await own.post('/api/v1/events/batch', { events }).expect(201);
    });

    it('includes a finished trace that evaluated no policy, without one', async () => {
      expect((await rows('')).find((p: { trace_id: string }) => p.trace_id === 'bare')).toMatchObject({
        policy_id: null,
        policy_version: null,
        outcome: 'success',
      });
      expect(
        (await rows('?entity_type=account&entity_id=initech')).map((p: { trace_id: string }) => p.trace_id),
      ).toContain('bare');
      expect((await rows('?policy_id=terms')).map((p: { trace_id: string }) => p.trace_id)).not.toContain('bare');
    });

    it('shows a trace once: its exception’s policy, else its latest evaluation’s, or the one filtered for', async () => {
      const all = await rows('');
      expect(all.map((p: { trace_id: string }) => p.trace_id)).toEqual(['with-exception', 'two-policies', 'bare']);
      expect(all.map((p: { policy_id: string | null }) => p.policy_id)).toEqual(['cap', 'terms', null]);
      expect(
        (await rows('?policy_id=limits')).map((p: { trace_id: string; policy_id: string }) => [
          p.trace_id,
          p.policy_id,
        ]),
      ).toEqual([['two-policies', 'limits']]);
      expect((await rows('?policy_id=terms')).map((p: { trace_id: string }) => p.trace_id)).toEqual([
        'with-exception',
        'two-policies',
      ]);
    });
  });

  it.each(['entity_id=acme', 'policy_version=v1', 'limit=0', 'limit=1001', 'outcome=meh', 'limit=x'])(
    'answers 400 for %s',
    async (query) => {
      const res = await api.get(`/api/v1/precedents?${query}`).expect(400);
      expect(res.body.error.code).toBe('invalid_argument');
    },
  );
});
