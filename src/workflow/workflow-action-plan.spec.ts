import { aTransition, REQUESTER, REVIEWER, WORKFLOW_ID } from '../../test/factories/workflow-transitions';
import type { Principal } from '../auth/principal';
import { loadWorkflowConfig } from '../config/workflow-config';
import type { AppendSnapshot } from '../ingestion/append.repository';
import { eventHash } from '../ingestion/event-hashing';
import type { TraceState } from '../ingestion/stored-event';
import { applyTransition, keepVotes, planDecisionAppend } from './workflow-action-plan';
import { decisionEvent } from './workflow-decision-event';
import { importApproval } from './workflow-import.rules';
import { WITHOUT_POLICY, type WorkflowItem } from './workflow-item';
import { WORKFLOW_ACTIONS, WORKFLOW_STATUSES, type WorkflowActionType, type WorkflowStatus } from './workflow-status';
import { transition, TRANSITIONS, type TransitionResult } from './workflow-transitions';

const TENANT = 'tenant-a';
const TRACE = 'trace-123';
const NOW = new Date('2026-11-25T10:00:00.000Z');
const REVIEWER_PRINCIPAL: Principal = { accountId: REVIEWER, roles: ['admin'], permissions: ['*'], tenantId: TENANT };

function anItem(status: WorkflowStatus, overrides: Partial<WorkflowItem> = {}): WorkflowItem {
  const terminal = ['approved', 'rejected', 'overridden'].includes(status);
  return {
    tenant_id: TENANT,
    workflow_id: WORKFLOW_ID,
    trace_id: TRACE,
    workflow_kind: 'exception_review',
    workflow_name: 'refund',
    subject_type: 'exception',
    subject_id: 'ex-42',
    status,
    priority: 'normal',
    title: 'Refund above the cap',
    policy_id: 'discount-cap',
    policy_version: '1',
    requested_by_actor: { actor_id: 'agent-1', actor_type: 'agent' },
    assigned_account_id: null,
    assigned_role: 'admin',
    claimed_by_account_id: null,
    requested_at: new Date('2026-11-25T09:00:00.000Z'),
    sla_due_at: new Date('2026-11-25T13:00:00.000Z'),
    updated_at: new Date('2026-11-25T09:00:00.000Z'),
    resolved_at: terminal ? new Date('2026-11-25T09:30:00.000Z') : null,
    last_action_type: 'requested',
    last_action_at: new Date('2026-11-25T09:00:00.000Z'),
    current_decision: terminal ? status : null,
    current_reason: null,
    approval_event_id: null,
    created_from_event_id: 'evt-request',
    last_source_log_seq: 41,
    escalation_count: status === 'escalated' ? 1 : 0,
    deadline_risk_notified_for: null,
    metadata: {},
    version: 3,
    last_action_hash: null,
    action_count: 1,
    requested_by: REQUESTER,
    required_approvals: 1,
    approvals: [],
    ...WITHOUT_POLICY,
    ...overrides,
  };
}

function aTrace(overrides: Partial<TraceState> = {}): TraceState {
  return {
    trace_id: TRACE,
    workflow: 'refund',
    title: 'Refund above the cap',
    primary_entity_type: 'order',
    primary_entity_system: null,
    primary_entity_id: 'o-1',
    started_at: '2026-11-25T08:59:00.000Z',
    finished_at: null,
    outcome: null,
    event_count: 3,
    last_log_seq: 41,
    last_trace_seq: 2,
    last_event_hash: 'sha256:previous',
    ...overrides,
  };
}

/** What the action `action` does to an item in `status`, as the service plans it. */
function actOn(
  status: WorkflowStatus,
  action: WorkflowActionType,
  // A release needs a claim to release.
  item = anItem(status, { claimed_by_account_id: action === 'release' ? REVIEWER : null }),
) {
  const result: TransitionResult = transition(
    aTransition(action, { item: { ...item, status }, actor: { is_admin: true } }),
  );
  const decision = result.effects.find((e) => e.kind === 'append_decision');
  if (!decision) {
    applyTransition(item, result);
    return { result, item, appended: undefined };
  }
  const input = decisionEvent({
    item,
    principal: REVIEWER_PRINCIPAL,
    decision,
    reason: 'within the cap',
    evidence: [],
    actionId: 'wfa:action',
    eventId: 'evt-decision',
    now: NOW,
  });
  const snapshot: AppendSnapshot = { stored: [], traces: [aTrace()] };
  const appended = planDecisionAppend(input, snapshot, 57, { tenantId: TENANT, recordedAt: NOW, recordedBy: REVIEWER });
  const imported = importApproval(item, appended.event, {
    config: loadWorkflowConfig({}),
    trace: appended.trace,
    now: NOW,
  }).item;
  keepVotes(imported, result);
  return { result, item: imported, appended };
}

describe('an action planned for one write (SPEC §6.3)', () => {
  // Every pair the table accepts: the item the action writes has the table's status, whether the
  // action changes it itself or its decision event's import does (the action keeps no status of
  // its own beside the import's).
  const accepted = WORKFLOW_STATUSES.flatMap((status) =>
    WORKFLOW_ACTIONS.filter((action) => typeof TRANSITIONS[status][action] === 'string').map(
      (action) => [status, action] as const,
    ),
  );

  it.each(accepted)('%s × %s: the item written has the status of the table', (status, action) => {
    const target = TRANSITIONS[status][action];
    const { item } = actOn(status, action);
    expect(item.status).toBe(target === 'unchanged' ? status : target);
  });

  it.each(accepted)('%s × %s: a decision appends exactly when the table decides', (status, action) => {
    const { appended, item } = actOn(status, action);
    const decides = ['approved', 'rejected', 'overridden'].includes(TRANSITIONS[status][action] as string);
    expect(appended !== undefined).toBe(decides);
    if (appended) {
      expect(item.approval_event_id).toBe('evt-decision');
      expect(item.last_source_log_seq).toBe(57);
      expect(item.resolved_at).toEqual(NOW);
    }
  });

  it('keeps the votes with their stamps on the item a completing approve decides', () => {
    const vote = { account_id: 'svc-other', person_sub: null, reason: 'ok', at: NOW.toISOString(), action_id: 'wfa:1' };
    const item = anItem('in_review', { required_approvals: 2, approvals: [vote] });
    const { item: decided, result } = actOn('in_review', 'approve', item);
    expect(decided.status).toBe('approved');
    expect(decided.approvals).toEqual(result.approvals);
    expect(decided.approvals.map((a) => a.account_id)).toEqual(['svc-other', REVIEWER]);
  });

  it('records a vote that does not complete the quorum without appending', () => {
    const { item, appended, result } = actOn('requested', 'approve', anItem('requested', { required_approvals: 2 }));
    expect(appended).toBeUndefined();
    expect(result.outcome).toBe('vote_recorded');
    expect(item.status).toBe('requested');
    expect(item.approvals).toHaveLength(1);
  });
});

describe('planDecisionAppend', () => {
  const input = () =>
    decisionEvent({
      item: anItem('requested'),
      principal: REVIEWER_PRINCIPAL,
      decision: { kind: 'append_decision', decision: 'approved', subject: 'item', approvers: [] },
      reason: 'within the cap',
      evidence: [],
      actionId: 'wfa:action',
      eventId: 'evt-decision',
      now: NOW,
    });
  const options = { tenantId: TENANT, recordedAt: NOW, recordedBy: REVIEWER };

  it('takes the next trace_seq, chains onto the trace, and carries the log_seq handed out', () => {
    const { event, trace } = planDecisionAppend(input(), { stored: [], traces: [aTrace()] }, 57, options);
    expect(event).toMatchObject({
      tenant_id: TENANT,
      trace_seq: 3,
      log_seq: 57,
      prev_event_hash: 'sha256:previous',
      recorded_by: REVIEWER,
      recorded_at: NOW.toISOString(),
      hash_version: 2,
    });
    expect(event.event_hash).toBe(eventHash(event));
    expect(trace).toMatchObject({
      event_count: 4,
      last_trace_seq: 3,
      last_log_seq: 57,
      last_event_hash: event.event_hash,
    });
  });

  it('appends to a finished trace (the workflow layer is exempt, SPEC §5.5)', () => {
    const finished = aTrace({ finished_at: '2026-11-25T09:10:00.000Z', outcome: 'success' });
    const { trace } = planDecisionAppend(input(), { stored: [], traces: [finished] }, 58, options);
    expect(trace).toMatchObject({ finished_at: finished.finished_at, last_log_seq: 58 });
  });

  it('refuses to pass off a stored event as a new decision', () => {
    const { event } = planDecisionAppend(input(), { stored: [], traces: [aTrace()] }, 57, options);
    expect(() => planDecisionAppend(input(), { stored: [event], traces: [aTrace()] }, 59, options)).toThrow(
      /appended already/,
    );
  });
});
