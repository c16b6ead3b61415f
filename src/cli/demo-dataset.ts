import type { EventType } from '../ingestion/event-types';

/** One event of the demo dataset (SPEC §10); ids are stable so seeding twice only replays. */
export type DemoEvent = {
  event_id: string;
  trace_id: string;
  trace_seq: number;
  event_type: EventType;
  occurred_at: string;
  source: { producer_id: string; system: string };
  actor: { actor_id: string; actor_type: 'agent' | 'person' | 'role' | 'system' };
  idempotency_key: string;
  payload: Record<string, unknown>;
  /** The account that appends it (SPEC §11.1): the renewal agent for its trace, the reviewer for decisions. */
  recorded_by: string;
};

const AGENT = { actor_id: 'renewal-agent', actor_type: 'agent' as const };
const POLICY = { policy_id: 'discount-cap', policy_version: 'v3' };

function trace(
  traceId: string,
  start: string,
  steps: [EventType, Record<string, unknown>, DemoEvent['actor']?][],
): DemoEvent[] {
  return steps.map(([type, payload, actor], seq) => ({
    event_id: `demo-${traceId}-${seq}`,
    trace_id: traceId,
    trace_seq: seq,
    event_type: type,
    occurred_at: new Date(Date.parse(start) + seq * 60_000).toISOString(),
    source: { producer_id: 'demo-seed', system: type === 'ApprovalRecorded' ? 'review-console' : 'renewals' },
    actor: actor ?? AGENT,
    idempotency_key: `demo-${traceId}-${seq}`,
    payload,
    recorded_by: type === 'ApprovalRecorded' ? 'maria.ops' : 'renewal-agent',
  }));
}

const started = (title: string, id: string) => ({
  workflow: 'contract_renewal',
  title,
  primary_entity: { entity_type: 'account', entity_id: id, system: 'crm' },
});
const evaluated = {
  policy: POLICY,
  inputs: [{ name: 'discount_percent', value: '22' }],
  decision: 'require_exception',
};
const exception = (id: string, reason: string) => ({ exception_id: id, policy: POLICY, reason, priority: 'high' });
const approval = (id: string, exceptionId: string, decision: string, reason: string) => ({
  approval_id: id,
  subject: { subject_type: 'exception', subject_id: exceptionId },
  approver: { actor_type: 'person', actor_id: 'maria.ops' },
  decision,
  reason,
});
const PERSON = { actor_id: 'maria.ops', actor_type: 'person' as const };

/**
 * Three traces, all in the past: a renewal whose exception was approved (finished success), an
 * incident whose exception was rejected (finished failure, then an incident_triage review), and a
 * live renewal whose exception is still open. Both open items are past their SLA, so escalated.
 */
export const DEMO_EVENTS: DemoEvent[] = [
  ...trace('renewal-acme', '2026-01-12T09:00:00Z', [
    ['TraceStarted', started('Renew ACME Corp with 22% discount', 'acme')],
    ['PolicyEvaluated', evaluated],
    ['ExceptionRequested', exception('ex-acme-discount', 'Discount above the 15% cap for a 3-year renewal')],
    [
      'ApprovalRecorded',
      approval('ap-acme', 'ex-acme-discount', 'approved', 'Strategic account; margin still positive'),
      PERSON,
    ],
    ['TraceFinished', { outcome: 'success', summary: 'Renewed with approved exception' }],
  ]),
  ...trace('incident-globex', '2026-01-13T14:00:00Z', [
    ['TraceStarted', started('Renew Globex after billing incident', 'globex')],
    ['PolicyEvaluated', evaluated],
    ['ExceptionRequested', exception('ex-globex-credit', 'Service credit beyond policy after outage')],
    [
      'ApprovalRecorded',
      approval('ap-globex', 'ex-globex-credit', 'rejected', 'Credit exceeds contractual liability'),
      PERSON,
    ],
    ['TraceFinished', { outcome: 'failure', summary: 'Customer churned' }],
  ]),
  ...trace('renewal-initech', '2026-01-14T08:30:00Z', [
    ['TraceStarted', started('Renew Initech with extended payment terms', 'initech')],
    ['PolicyEvaluated', evaluated],
    ['ExceptionRequested', exception('ex-initech-terms', 'Urgent: 120-day payment terms requested')],
  ]),
];

/** The incident_triage review of the failed trace, requested (in the past) by the studio. */
export const DEMO_REVIEW: DemoEvent = {
  event_id: 'demo-incident-globex-review',
  trace_id: 'incident-globex',
  trace_seq: 0,
  event_type: 'WorkflowReviewRequested',
  occurred_at: '2026-01-13T15:00:00.000Z',
  source: { producer_id: 'workflow-studio', system: 'decisiongraph' },
  actor: { actor_id: 'demo-seed', actor_type: 'role' },
  idempotency_key: 'demo-incident-globex-review',
  recorded_by: 'maria.ops',
  payload: {
    template_id: 'incident_triage',
    template_description: 'Review a trace whose outcome was unfavourable: what happened, why, and what to change.',
    workflow_kind: 'incident_review',
    title: 'Incident Triage Review: Renew Globex after billing incident',
    reason: 'Customer churned after a rejected service credit',
    priority: 'urgent',
    assignee: { role: 'admin' },
    subject: { subject_type: 'trace_review', subject_id: 'incident_triage' },
    simulation: { risk_signals: ['exception requested', 'unfavorable outcome'], priority: 'urgent' },
    sla_hours: 2,
  },
};
