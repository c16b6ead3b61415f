import { createHash } from 'node:crypto';
import { planAppends } from '../ingestion/append-planner';
import type { EventInput } from '../ingestion/event-types';
import type { TraceState } from '../ingestion/stored-event';
import { combinedDigest, RowDigest, rowsDigest } from './projection-digest';
import {
  type FoldEvent,
  type KeyedRow,
  type LogFold,
  precedentsFold,
  traceSummaryFold,
  workflowImportFold,
} from './projection-folds';
import { mismatchOf } from './replay-run';

let seq = 0;
function ev(trace: string, type: string, payload: Record<string, unknown>, traceSeq: number): FoldEvent {
  seq++;
  return {
    log_seq: seq,
    event_id: `e${seq}`,
    trace_id: trace,
    trace_seq: traceSeq,
    event_type: type as FoldEvent['event_type'],
    occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    payload,
    event_hash: `h${seq}`,
  };
}

function fold<S>(f: LogFold<S>, events: FoldEvent[]): KeyedRow[] {
  const states = new Map<string, S | undefined>();
  const rows = new Map<string, KeyedRow>();
  for (const e of events) for (const r of f.apply(states, e)) rows.set(r.k, r);
  return [...rows.values()].sort((a, b) => Buffer.compare(Buffer.from(a.k), Buffer.from(b.k)));
}

const started = { workflow: 'renewal', title: 'Renew', primary_entity: { entity_type: 'account', entity_id: 'a1' } };
const policy = { policy: { policy_id: 'cap', policy_version: 'v3' }, inputs: [], decision: 'require_exception' };

describe('read model folds (SPEC §16)', () => {
  beforeEach(() => (seq = 0));

  it('trace_summary folds the append planner’s own summaries, with the last log_seq', () => {
    const events = [
      ev('t1', 'TraceStarted', started, 0),
      ev('t1', 'PolicyEvaluated', policy, 1),
      ev('t1', 'TraceFinished', { outcome: 'success' }, 2),
    ];
    const [row] = fold(traceSummaryFold, events);
    expect(row.key).toEqual({ trace_id: 't1' });
    expect(row.row).toMatchObject({
      workflow: 'renewal',
      title: 'Renew',
      primary_entity_type: 'account',
      primary_entity_id: 'a1',
      primary_entity_system: null,
      started_at: events[0].occurred_at,
      finished_at: events[2].occurred_at,
      outcome: 'success',
      event_count: 3,
      last_log_seq: 3,
      last_trace_seq: 2,
      last_event_hash: 'h3',
    });
  });

  it('trace_summary equals what the planner computes on append', () => {
    const input = (type: string, payload: Record<string, unknown>, traceSeq: number): EventInput =>
      ({
        event_id: `p${traceSeq}`,
        trace_id: 't1',
        trace_seq: traceSeq,
        event_type: type,
        occurred_at: '2026-01-01T00:00:00.000Z',
        source: { producer_id: 'p', system: 's' },
        actor: { actor_id: 'a', actor_type: 'agent' },
        idempotency_key: `k${traceSeq}`,
        correlation_id: null,
        causation_event_id: null,
        schema_version: 1,
        tags: [],
        payload,
      }) as EventInput;
    const traces = new Map<string, TraceState>();
    const planned = planAppends(
      [input('TraceStarted', started, 0), input('TraceFinished', { outcome: 'failure' }, 1)],
      { byIdempotency: new Map(), takenEventIds: new Set(), traces },
      { tenantId: 't', recordedAt: '2026-01-01T00:00:01.000Z', recordedBy: 'x', internal: false, batch: false },
    );
    const events = planned.map((p, i) => ({ ...p.event, log_seq: i + 1 }) as FoldEvent);
    const [row] = fold(traceSummaryFold, events);
    expect(row.row).toEqual({ ...traces.get('t1'), last_log_seq: 2 });
  });

  it('precedents: a row per indexed event once the trace finishes, none before', () => {
    const open = [ev('t1', 'TraceStarted', started, 0), ev('t1', 'PolicyEvaluated', policy, 1)];
    expect(fold(precedentsFold, open)).toEqual([]);
    const rows = fold(precedentsFold, [...open, ev('t1', 'TraceFinished', { outcome: 'success' }, 2)]);
    expect(rows.map((r) => r.row)).toEqual([
      expect.objectContaining({ event_id: 'e2', event_type: 'PolicyEvaluated', policy_id: 'cap', log_seq: 2 }),
      expect.objectContaining({ event_id: 'e3', event_type: 'TraceFinished', policy_id: null, log_seq: 3 }),
    ]);
    for (const r of rows) expect(r.row).toMatchObject({ outcome: 'success', finished_log_seq: 3, entity_id: 'a1' });
  });

  it('workflow_import: an item per request with its subject, reason, priority and requested_at; an action per event', () => {
    const request = ev('t1', 'ExceptionRequested', { exception_id: 'x1', reason: 'URGENT: cap' }, 1);
    const again = ev('t1', 'ExceptionRequested', { exception_id: 'x1', reason: 'again', priority: 'Low' }, 2);
    const approval = ev(
      't1',
      'ApprovalRecorded',
      { subject: { subject_type: 'exception', subject_id: 'x1' }, decision: 'approved' },
      3,
    );
    const rows = fold(workflowImportFold, [request, again, approval]);
    const item = rows.find((r) => r.k.startsWith('item'));
    expect(item?.row).toEqual({
      workflow_id: 't1:exception:x1',
      workflow_kind: 'exception_review',
      subject_type: 'exception',
      subject_id: 'x1',
      created_from_event_id: 'e1',
      requested_at: request.occurred_at,
      priority: 'low',
      reason: 'again',
    });
    expect(rows.filter((r) => r.k.startsWith('action')).map((r) => r.row.action_type)).toEqual([
      'requested',
      'requested',
      'approval_recorded',
    ]);
  });

  it('workflow_import: the first request decides the priority by the reason when none is given', () => {
    const rows = fold(workflowImportFold, [ev('t1', 'ExceptionRequested', { exception_id: 'x', reason: 'urgent' }, 1)]);
    expect(rows.find((r) => r.k.startsWith('item'))?.row.priority).toBe('urgent');
  });
});

describe('digests and mismatches', () => {
  it('is sha256 of the canonical JSON array of the rows, page by page', () => {
    const rows = [{ b: 1, a: 'x' }, { a: 'y' }];
    const digest = new RowDigest();
    for (const r of rows) digest.add(r);
    const expected = createHash('sha256').update('[{"a":"x","b":1},{"a":"y"}]').digest('hex');
    expect(digest.finish()).toBe(`sha256:${expected}`);
    expect(rowsDigest(rows)).toBe(`sha256:${expected}`);
    expect(rowsDigest([])).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(combinedDigest({ a: null })).not.toBe(combinedDigest({ a: 'x' }));
  });

  it('names the fields that differ, or every field of a missing row', () => {
    expect(mismatchOf('m', { id: 1 }, { a: 1, b: 2 }, { a: 1, b: 3 }).fields).toEqual(['b']);
    expect(mismatchOf('m', { id: 1 }, { a: 1, b: 2 }, null).fields).toEqual(['a', 'b']);
    expect(mismatchOf('m', { id: 1 }, null, { c: 1 })).toMatchObject({ fields: ['c'], expected: null });
  });
});
