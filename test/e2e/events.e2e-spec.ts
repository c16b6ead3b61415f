import { anEvent, aTrace } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { uniqueTenant, useTestApp } from '../setup/test-app';

describe('POST /api/v1/events', () => {
  let api: ReturnType<typeof apiAs>;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeEach(() => {
    api = apiAs(app, uniqueTenant());
  });

  it('appends an event and returns it with log_seq, hashes and the chain link', async () => {
    const [start, policy] = aTrace('trace-a');
    start.occurred_at = '2026-11-25T10:00:00Z';
    const first = await api.post('/api/v1/events', start).expect(201);
    expect(first.body.data.replayed).toBe(false);
    expect(first.body.data.event).toMatchObject({
      event_id: start.event_id,
      trace_seq: 0,
      occurred_at: '2026-11-25T10:00:00.000Z',
      schema_version: 1,
      tags: [],
      correlation_id: null,
      prev_event_hash: null,
    });
    expect(typeof first.body.data.event.log_seq).toBe('number');
    expect(first.body.data.event.payload_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const second = await api.post('/api/v1/events', policy).expect(201);
    expect(second.body.data.event.prev_event_hash).toBe(first.body.data.event.event_hash);
    expect(second.body.data.event.log_seq).toBeGreaterThan(first.body.data.event.log_seq);
  });

  it('normalises occurred_at with an offset to UTC', async () => {
    const res = await api
      .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'tz', occurred_at: '2026-11-25T12:30:00.5+02:00' }))
      .expect(201);
    expect(res.body.data.event.occurred_at).toBe('2026-11-25T10:30:00.500Z');
  });

  it('replays the original event for the same producer and idempotency key, also after TraceFinished', async () => {
    const events = aTrace('trace-r', ['TraceStarted', 'PolicyEvaluated']);
    const original = await api.post('/api/v1/events', events[0]).expect(201);
    const again = await api.post('/api/v1/events', { ...events[0], event_id: 'another-id', trace_seq: 7 }).expect(201);
    expect(again.body.data).toEqual({ event: original.body.data.event, replayed: true });
    await api.post('/api/v1/events', events[1]).expect(201);
    await api.post('/api/v1/events', anEvent('TraceFinished', { trace_id: 'trace-r', trace_seq: 2 })).expect(201);
    const afterFinish = await api.post('/api/v1/events', events[1]).expect(201);
    expect(afterFinish.body.data.replayed).toBe(true);
  });

  it.each([
    ['payload', { payload: { workflow: 'other', title: 'x', primary_entity: { entity_type: 'a', entity_id: 'b' } } }],
    ['trace_id', { trace_id: 'elsewhere' }],
    [
      'event_type',
      {
        event_type: 'PolicyEvaluated',
        payload: { policy: { policy_id: 'p', policy_version: '1' }, inputs: [], decision: 'allow' },
      },
    ],
    ['source', { source: { producer_id: 'policy-engine', system: 'pricing', subsystem: 'eu' } }],
    ['actor', { actor: { actor_id: 'agent-8', actor_type: 'agent' } }],
    ['correlation_id', { correlation_id: 'corr-1' }],
    ['causation_event_id', { causation_event_id: 'cause-1' }],
    ['schema_version', { schema_version: 2 }],
    ['tags', { tags: ['x'] }],
  ])('answers 409 idempotency_conflict naming %s when a replay differs', async (field, change) => {
    // A different event type needs a different payload, so both are named.
    const expected = field === 'event_type' ? ['payload', 'event_type'] : [field];
    const start = anEvent('TraceStarted', { trace_id: 'trace-m' });
    await api.post('/api/v1/events', start).expect(201);
    const res = await api.post('/api/v1/events', { ...start, ...change }).expect(409);
    expect(res.body.error.code).toBe('idempotency_conflict');
    expect(res.body.error.details.mismatches).toEqual(expected);
  });

  it('enforces the trace sequence with the expected trace_seq', async () => {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 's' })).expect(201);
    const gap = await api
      .post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 's', trace_seq: 3 }))
      .expect(409);
    expect(gap.body.error).toMatchObject({ code: 'event_sequence_invalid', details: { expected_trace_seq: 1 } });
    const restart = await api
      .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 's', trace_seq: 1 }))
      .expect(409);
    expect(restart.body.error.code).toBe('event_sequence_invalid');
    const notStarted = await api
      .post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 'fresh', trace_seq: 0 }))
      .expect(409);
    expect(notStarted.body.error.code).toBe('event_sequence_invalid');
  });

  it('refuses events on a finished trace', async () => {
    for (const e of aTrace('done', ['TraceStarted', 'TraceFinished'])) await api.post('/api/v1/events', e).expect(201);
    const res = await api
      .post('/api/v1/events', anEvent('ApprovalRecorded', { trace_id: 'done', trace_seq: 2 }))
      .expect(409);
    expect(res.body.error.code).toBe('conflict');
  });

  it('refuses a duplicate event_id within a tenant but not across tenants', async () => {
    const start = anEvent('TraceStarted', { trace_id: 'd1', event_id: 'shared-id' });
    await api.post('/api/v1/events', start).expect(201);
    const dup = await api
      .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'd2', event_id: 'shared-id' }))
      .expect(409);
    expect(dup.body.error.code).toBe('conflict');
    await apiAs(app, uniqueTenant()).post('/api/v1/events', start).expect(201);
  });

  it('rejects floats found in the raw request text, even 1.0', async () => {
    const body = JSON.stringify(anEvent('TraceStarted', { trace_id: 'f' })).replace(
      '"payload":{',
      '"payload":{"score":1.0,',
    );
    const res = await api.postRaw('/api/v1/events', body).expect(422);
    expect(res.body.error).toMatchObject({ code: 'schema_violation', details: { path: '$.payload.score' } });
  });

  it('refuses a schema_version beyond what is stored with 422, not a 500', async () => {
    const res = await api
      .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'sv', schema_version: 2 ** 31 }))
      .expect(422);
    expect(res.body.error).toMatchObject({ code: 'schema_violation', details: { path: '$.schema_version' } });
  });

  it('reads a JSON body sent as text/plain or without a content type', async () => {
    for (const [traceId, type] of [
      ['plain', 'text/plain;charset=UTF-8'],
      ['untyped', undefined],
    ] as const) {
      const text = JSON.stringify(anEvent('TraceStarted', { trace_id: traceId }));
      const req = api.postRaw('/api/v1/events', text);
      if (type) req.set('content-type', type);
      else req.unset('content-type');
      const res = await req.expect(201);
      expect(res.body.data.event.trace_id).toBe(traceId);
    }
  });

  it('tells JSON that is not an object from JSON that does not parse', async () => {
    expect((await api.postRaw('/api/v1/events', 'null').expect(400)).body.error.message).toBe(
      'Request body must be a JSON object',
    );
    expect((await api.postRaw('/api/v1/events', '{"event_id":').expect(400)).body.error.message).toBe(
      'Request body is not valid JSON',
    );
  });

  it('names the JSON path of a missing payload field', async () => {
    const res = await api
      .post(
        '/api/v1/events',
        anEvent('TraceStarted', {
          trace_id: 'p',
          payload: { workflow: 'w', title: 't', primary_entity: { entity_type: 'x' } },
        }),
      )
      .expect(422);
    expect(res.body.error).toMatchObject({
      code: 'schema_violation',
      details: { path: '$.payload.primary_entity.entity_id' },
    });
  });

  it('refuses credentials without echoing them', async () => {
    const secret = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
    const res = await api
      .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'sec', tags: [secret] }))
      .expect(422);
    expect(res.body.error).toMatchObject({ code: 'pii_policy_violation', details: { path: '$.tags[0]' } });
    expect(JSON.stringify(res.body)).not.toContain(secret);
  });
});

describe('POST /api/v1/events/batch', () => {
  let api: ReturnType<typeof apiAs>;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeEach(() => {
    api = apiAs(app, uniqueTenant());
  });

  it('appends several traces at once, in order, and replays within the batch response', async () => {
    const events = [
      ...aTrace('b1', ['TraceStarted', 'PolicyEvaluated', 'TraceFinished']),
      ...aTrace('b2', ['TraceStarted']),
    ];
    const res = await api.post('/api/v1/events/batch', { events }).expect(201);
    expect(res.body.data.events.map((r: { replayed: boolean }) => r.replayed)).toEqual([false, false, false, false]);
    const seqs = res.body.data.events.map((r: { event: { log_seq: number } }) => r.event.log_seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const again = await api.post('/api/v1/events/batch', { events }).expect(201);
    expect(again.body.data.events.every((r: { replayed: boolean }) => r.replayed)).toBe(true);
  });

  it('stores nothing when one event is bad and names its index', async () => {
    const events = aTrace('atomic', ['TraceStarted', 'PolicyEvaluated', 'ActionCommitted']);
    (events[2].payload as Record<string, unknown>).status = 'maybe';
    const res = await api.post('/api/v1/events/batch', { events }).expect(422);
    expect(res.body.error.details).toMatchObject({ index: 2, path: '$.events[2].payload.status' });
    await api.get('/api/v1/traces/atomic').expect(404);
  });

  it('rolls back the whole batch when a rule fails after earlier events were planned', async () => {
    const events = [...aTrace('rb', ['TraceStarted']), anEvent('PolicyEvaluated', { trace_id: 'rb', trace_seq: 5 })];
    const res = await api.post('/api/v1/events/batch', { events }).expect(409);
    expect(res.body.error.details).toMatchObject({ index: 1, expected_trace_seq: 1 });
    await api.get('/api/v1/traces/rb').expect(404);
  });

  it('refuses an empty or oversized batch', async () => {
    await api.post('/api/v1/events/batch', { events: [] }).expect(400);
    const many = Array.from({ length: 501 }, (_, i) => anEvent('TraceStarted', { trace_id: `t${i}` }));
    await api.post('/api/v1/events/batch', { events: many }).expect(400);
    await api.post('/api/v1/events/batch', [anEvent('TraceStarted')]).expect(400);
  });
});

describe('reads: GET /api/v1/traces/:trace_id and GET /api/v1/events', () => {
  let tenant: string;
  let api: ReturnType<typeof apiAs>;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeAll(async () => {
    tenant = uniqueTenant();
    api = apiAs(app, tenant);
    const events = [
      ...aTrace('r1', ['TraceStarted', 'PolicyEvaluated', 'TraceFinished']),
      ...aTrace('r2', ['TraceStarted', 'ExceptionRequested']),
    ];
    for (const e of events) e.occurred_at = '2026-11-25T10:00:00Z';
    await api.post('/api/v1/events/batch', { events }).expect(201);
  });

  it('returns the trace’s events by trace_seq with its summary', async () => {
    const res = await api.get('/api/v1/traces/r1').expect(200);
    expect(res.body.data.events.map((e: { trace_seq: number }) => e.trace_seq)).toEqual([0, 1, 2]);
    expect(res.body.data.summary).toEqual({
      trace_id: 'r1',
      workflow: 'renewal',
      title: 'Renew ACME contract',
      primary_entity_type: 'account',
      primary_entity_system: 'crm',
      primary_entity_id: 'acme-1',
      started_at: '2026-11-25T10:00:00.000Z',
      finished_at: '2026-11-25T10:00:00.000Z',
      outcome: 'success',
      event_count: 3,
      last_log_seq: res.body.data.events[2].log_seq,
    });
    expect(res.body.data.workflows).toEqual([]);
  });

  it('pages a trace’s events with a cursor, the whole trace in one page by default (SPEC §15)', async () => {
    const whole = await api.get('/api/v1/traces/r1').expect(200);
    expect(whole.body.data.next_cursor).toBeNull();
    const first = (await api.get('/api/v1/traces/r1?limit=2').expect(200)).body.data;
    expect(first.events.map((e: { trace_seq: number }) => e.trace_seq)).toEqual([0, 1]);
    expect(first.summary).toEqual(whole.body.data.summary);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (
      await api.get(`/api/v1/traces/r1?limit=2&cursor=${encodeURIComponent(first.next_cursor)}`).expect(200)
    ).body.data;
    expect(second.events.map((e: { trace_seq: number }) => e.trace_seq)).toEqual([2]);
    expect(second.next_cursor).toBeNull();
    const exact = (await api.get('/api/v1/traces/r1?limit=3').expect(200)).body.data;
    expect(exact.next_cursor).toBeNull();
    for (const bad of ['limit=0', 'limit=1001', 'limit=x', 'cursor=not-a-cursor', 'page=2']) {
      const res = await api.get(`/api/v1/traces/r1?${bad}`).expect(400);
      expect(res.body.error.code).toBe('invalid_argument');
    }
  });

  it('answers 404 for an unknown trace and for another tenant’s trace', async () => {
    await api.get('/api/v1/traces/nope').expect(404);
    const other = await apiAs(app, uniqueTenant()).get('/api/v1/traces/r1').expect(404);
    expect(other.body.error.code).toBe('not_found');
  });

  it('pages the tenant feed by log_seq, since being exclusive', async () => {
    const page1 = await api.get('/api/v1/events?limit=2').expect(200);
    expect(page1.body.data.events).toHaveLength(2);
    const next = page1.body.data.next_since_log_seq;
    expect(next).toBe(page1.body.data.events[1].log_seq);
    const page2 = await api.get(`/api/v1/events?since_log_seq=${next}&limit=1000`).expect(200);
    expect(page2.body.data.events).toHaveLength(3);
    expect(page2.body.data.events[0].log_seq).toBeGreaterThan(next);
    const done = await api.get(`/api/v1/events?since_log_seq=${page2.body.data.next_since_log_seq}`).expect(200);
    expect(done.body.data).toEqual({ events: [], next_since_log_seq: page2.body.data.next_since_log_seq });
  });

  it('filters the feed by event_type and trace_id', async () => {
    const byType = await api.get('/api/v1/events?event_type=TraceStarted').expect(200);
    expect(byType.body.data.events.map((e: { trace_id: string }) => e.trace_id)).toEqual(['r1', 'r2']);
    const byTrace = await api.get('/api/v1/events?trace_id=r2').expect(200);
    expect(byTrace.body.data.events).toHaveLength(2);
  });

  it.each(['limit=0', 'limit=1001', 'limit=abc', 'since_log_seq=-1', 'event_type=Nope'])(
    'answers 400 for %s',
    async (query) => {
      const res = await api.get(`/api/v1/events?${query}`).expect(400);
      expect(res.body.error.code).toBe('invalid_argument');
    },
  );
});
