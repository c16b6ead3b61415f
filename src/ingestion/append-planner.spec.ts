import { DomainError } from '../common/error-codes';
import { AppendState, idempotencyKey, planAppends } from './append-planner';
import { eventHash, payloadHash } from './event-hashing';
import type { EventInput } from './event-types';
import type { NewEvent, StoredEvent, TraceState } from './stored-event';

const OPTIONS = {
  tenantId: 'acme',
  recordedAt: '2026-11-25T10:00:01.000Z',
  recordedBy: 'policy-engine',
  internal: false,
  batch: false,
};

function input(overrides: Partial<EventInput> = {}): EventInput {
  return {
    event_id: 'e0',
    trace_id: 't1',
    trace_seq: 0,
    event_type: 'TraceStarted',
    occurred_at: '2026-11-25T10:00:00.000Z',
    source: { producer_id: 'p', system: 's' },
    actor: { actor_id: 'a', actor_type: 'agent' },
    idempotency_key: 'k0',
    payload: { workflow: 'w', title: 'T', primary_entity: { entity_type: 'account', entity_id: 'x' } },
    correlation_id: null,
    causation_event_id: null,
    schema_version: 1,
    tags: [],
    ...overrides,
  };
}

function emptyState(): AppendState {
  return { byIdempotency: new Map(), takenEventIds: new Set(), traces: new Map() };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof DomainError ? `${e.code} ${JSON.stringify(e.details)}` : String(e);
  }
  return undefined;
}

describe(planAppends.name, () => {
  it('chains the hashes of a trace and advances its summary', () => {
    const state = emptyState();
    const [start, policy] = planAppends(
      [
        input(),
        input({
          event_id: 'e1',
          trace_seq: 1,
          idempotency_key: 'k1',
          event_type: 'PolicyEvaluated',
          payload: { decision: 'allow' },
        }),
      ],
      state,
      OPTIONS,
    );
    expect(start.event.prev_event_hash).toBeNull();
    expect(policy.event.prev_event_hash).toBe(start.event.event_hash);
    const { event_hash, ...unhashed } = policy.event as NewEvent;
    expect(event_hash).toBe(eventHash(unhashed));
    expect(state.traces.get('t1')).toMatchObject({
      event_count: 2,
      last_trace_seq: 1,
      last_event_hash: policy.event.event_hash,
      workflow: 'w',
      title: 'T',
      started_at: '2026-11-25T10:00:00.000Z',
    });
  });

  it('replays a stored event with the same producer and key even when event_id and trace_seq differ', () => {
    const state = emptyState();
    const [first] = planAppends([input()], state, OPTIONS);
    const [again] = planAppends([input({ event_id: 'other', trace_seq: 9 })], state, OPTIONS);
    expect(again).toEqual({ replayed: true, event: first.event });
  });

  it('lists every differing field of a conflicting replay', () => {
    const state = emptyState();
    planAppends([input()], state, OPTIONS);
    const conflict = codeOf(() =>
      planAppends([input({ tags: ['x'], schema_version: 2, correlation_id: 'c' })], state, OPTIONS),
    );
    expect(conflict).toBe(
      'idempotency_conflict {"mismatches":["correlation_id","schema_version","tags"],"event_id":"e0"}',
    );
  });

  it('checks replay before the finished-trace and sequence rules', () => {
    const state = emptyState();
    planAppends(
      [
        input(),
        input({
          event_id: 'e1',
          idempotency_key: 'k1',
          trace_seq: 1,
          event_type: 'TraceFinished',
          payload: { outcome: 'success' },
        }),
      ],
      state,
      OPTIONS,
    );
    expect(planAppends([input()], state, OPTIONS)[0].replayed).toBe(true);
  });

  it('refuses events on a finished trace, except the workflow layer’s approvals and reviews', () => {
    const finished: TraceState = { ...emptyTrace(), finished_at: '2026-11-25T11:00:00.000Z', last_trace_seq: 4 };
    const approval = input({
      event_id: 'a',
      idempotency_key: 'ka',
      trace_seq: 5,
      event_type: 'ApprovalRecorded',
      payload: {},
    });
    const state = () => ({ ...emptyState(), traces: new Map([['t1', { ...finished }]]) });
    expect(codeOf(() => planAppends([approval], state(), OPTIONS))).toMatch(/^conflict/);
    expect(planAppends([approval], state(), { ...OPTIONS, internal: true })[0].replayed).toBe(false);
    const other = { ...approval, event_type: 'PolicyEvaluated' as const };
    expect(codeOf(() => planAppends([other], state(), { ...OPTIONS, internal: true }))).toMatch(/^conflict/);
  });

  it('expects max(trace_seq)+1, TraceStarted only at 0 and 0 only for TraceStarted', () => {
    expect(codeOf(() => planAppends([input({ trace_seq: 1 })], emptyState(), OPTIONS))).toBe(
      'event_sequence_invalid {"expected_trace_seq":0}',
    );
    expect(codeOf(() => planAppends([input({ event_type: 'PolicyEvaluated' })], emptyState(), OPTIONS))).toMatch(
      /^event_sequence_invalid/,
    );
    const started = { ...emptyState(), traces: new Map([['t1', { ...emptyTrace(), last_trace_seq: 0 }]]) };
    expect(codeOf(() => planAppends([input({ trace_seq: 1 })], started, OPTIONS))).toBe(
      'event_sequence_invalid {"expected_trace_seq":1}',
    );
  });

  it('refuses an event_id already taken in the tenant', () => {
    const state = { ...emptyState(), takenEventIds: new Set(['e0']) };
    expect(codeOf(() => planAppends([input()], state, OPTIONS))).toBe('conflict {"event_id":"e0"}');
  });

  it('names the failing index in a batch', () => {
    const batch = [input(), input({ event_id: 'e1', idempotency_key: 'k1', trace_seq: 3 })];
    expect(codeOf(() => planAppends(batch, emptyState(), { ...OPTIONS, batch: true }))).toBe(
      'event_sequence_invalid {"expected_trace_seq":1,"index":1}',
    );
  });

  it('keys idempotency by producer and key together', () => {
    expect(idempotencyKey('a', 'bc')).not.toBe(idempotencyKey('ab', 'c'));
    const state = emptyState();
    const stored = { ...planAppends([input()], emptyState(), OPTIONS)[0].event, log_seq: 1 } as StoredEvent;
    state.byIdempotency.set(idempotencyKey('p', 'k0'), stored);
    expect(
      planAppends([input({ source: { producer_id: 'q', system: 's' }, event_id: 'n' })], state, OPTIONS)[0].replayed,
    ).toBe(false);
    expect(payloadHash({ b: 1, a: 2 })).toBe(payloadHash({ a: 2, b: 1 }));
  });
});

function emptyTrace(): TraceState {
  return {
    trace_id: 't1',
    workflow: null,
    title: null,
    primary_entity_type: null,
    primary_entity_system: null,
    primary_entity_id: null,
    started_at: null,
    finished_at: null,
    outcome: null,
    event_count: 1,
    last_log_seq: 1,
    last_trace_seq: 0,
    last_event_hash: 'sha256:prev',
  };
}
