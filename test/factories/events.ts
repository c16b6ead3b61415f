import { randomUUID } from 'node:crypto';

export type EventBody = Record<string, unknown> & { trace_id: string; trace_seq: number; event_type: string };

const PAYLOADS: Record<string, () => Record<string, unknown>> = {
  TraceStarted: () => ({
    workflow: 'renewal',
    title: 'Renew ACME contract',
    primary_entity: { entity_type: 'account', entity_id: 'acme-1', system: 'crm' },
  }),
  InputObserved: () => ({
    input_id: 'in-1',
    source: { system: 'crm', object_type: 'account', object_id: 'acme-1' },
    facts: [],
  }),
  EntityObserved: () => ({ entity: { entity_type: 'account', entity_id: 'acme-1' }, role: 'primary', facts: [] }),
  PolicyEvaluated: () => ({
    policy: { policy_id: 'discount-cap', policy_version: 'v3' },
    inputs: [],
    decision: 'require_exception',
  }),
  ExceptionRequested: () => ({
    exception_id: 'ex-1',
    policy: { policy_id: 'discount-cap', policy_version: 'v3' },
    reason: 'Discount above cap',
  }),
  ApprovalRecorded: () => ({
    approval_id: 'ap-1',
    subject: { subject_type: 'exception', subject_id: 'ex-1' },
    approver: { actor_type: 'person', actor_id: 'alice' },
    decision: 'approved',
  }),
  WorkflowReviewRequested: () => ({
    template_id: 'incident_triage',
    workflow_kind: 'incident_review',
    title: 'Review the incident',
    reason: 'Outcome was a failure',
    priority: 'high',
    assignee: { role: 'admin' },
    subject: { subject_type: 'trace_review', subject_id: 'incident_triage' },
    simulation: {},
    sla_hours: 2,
  }),
  PrecedentCited: () => ({ cited_trace_id: 'trace-old', reason: 'Same customer last year' }),
  ActionProposed: () => ({
    action_id: 'act-1',
    action_type: 'update',
    target_entity: { entity_type: 'account', entity_id: 'acme-1' },
    target_system: 'crm',
    changes: [],
  }),
  ActionCommitted: () => ({ action_id: 'act-1', status: 'success' }),
  TraceFinished: () => ({ outcome: 'success' }),
};

/** A valid event of the given type; every field can be overridden. */
export function anEvent(eventType: string, overrides: Partial<EventBody> = {}): EventBody {
  const id = randomUUID();
  return {
    event_id: `evt-${id}`,
    trace_id: 'trace-1',
    trace_seq: 0,
    event_type: eventType,
    // A minute ago: well inside every SLA, so items created from it are neither at risk nor overdue.
    occurred_at: new Date(Date.now() - 60_000).toISOString(),
    source: { producer_id: 'policy-engine', system: 'pricing' },
    actor: { actor_id: 'agent-7', actor_type: 'agent' },
    idempotency_key: `idem-${id}`,
    payload: PAYLOADS[eventType](),
    ...overrides,
  };
}

/** Consecutive events of one trace, starting with TraceStarted at trace_seq 0. */
export function aTrace(traceId: string, types: string[] = ['TraceStarted', 'PolicyEvaluated']): EventBody[] {
  return types.map((type, seq) => anEvent(type, { trace_id: traceId, trace_seq: seq }));
}
