import { aTransition, REVIEWER } from '../../test/factories/workflow-transitions';
import { isOpenStatus, isTerminalStatus, isWorkflowAction, PRIORITY_RANK } from './workflow-status';
import { ACTION_PERMISSIONS, assignmentLabel, transition } from './workflow-transitions';

describe(`${transition.name} results`, () => {
  it.each([
    ['approve', 'approved'],
    ['reject', 'rejected'],
    ['override', 'overridden'],
    ['request_change', 'changes_requested'],
    ['comment', 'commented'],
    ['reassign', 'reassigned'],
    ['escalate', 'escalated'],
    ['claim', 'claimed'],
    ['release', 'released'],
  ] as const)('reports %s as %s', (action, outcome) => {
    expect(transition(aTransition(action, { item: { claimed_by_account_id: REVIEWER } })).outcome).toBe(outcome);
  });

  it('approves an item and appends an approval of the item', () => {
    expect(transition(aTransition('approve', { item: { status: 'in_review' } }))).toMatchObject({
      status: 'approved',
      clear_resolved_at: false,
      effects: [{ kind: 'append_decision', decision: 'approved', subject: 'item' }],
    });
  });

  it('rejects an item and appends a rejection of the item', () => {
    expect(transition(aTransition('reject')).effects).toEqual([
      {
        kind: 'append_decision',
        decision: 'rejected',
        subject: 'item',
        approvers: [{ actor_type: 'role', actor_id: REVIEWER }],
      },
    ]);
  });

  it('overrides an exception review and appends an approval of the override', () => {
    expect(transition(aTransition('override', { item: { status: 'escalated' } }))).toMatchObject({
      status: 'overridden',
      effects: [{ kind: 'append_decision', decision: 'approved', subject: 'override' }],
    });
  });

  it('sends an item back for changes, clearing its resolution time', () => {
    expect(transition(aTransition('request_change', { item: { status: 'in_review' } }))).toMatchObject({
      status: 'changes_requested',
      clear_resolved_at: true,
      current_reason: 'Discount is within the regional cap',
      effects: [{ kind: 'notify_changes_requested', reason: 'Discount is within the regional cap' }],
    });
  });

  it('changes nothing on a comment', () => {
    const input = aTransition('comment', {
      item: {
        status: 'approved',
        claimed_by_account_id: 'svc-other',
        assigned_account_id: 'svc-a',
        escalation_count: 2,
      },
    });
    expect(transition(input)).toEqual({
      status: 'approved',
      outcome: 'commented',
      assignment: { account_id: 'svc-a', role: 'admin' },
      claimed_by_account_id: 'svc-other',
      escalation_count: 2,
      clear_resolved_at: false,
      approvals: [],
      approvals_remaining: 0,
      effects: [],
    });
  });

  it('reassigns both fields from the request and announces the reassignment', () => {
    const input = aTransition('reassign', {
      item: { status: 'in_review', assigned_account_id: 'svc-a' },
      request: { assigned_account_id: 'svc-b', assigned_role: 'writer' },
    });
    const result = transition(input);
    expect(result).toMatchObject({ status: 'in_review', assignment: { account_id: 'svc-b', role: 'writer' } });
    expect(result.effects).toEqual([
      { kind: 'notify_assignment', assignment: { account_id: 'svc-b', role: 'writer' }, reassigned: true },
    ]);
  });

  it('clears the field a reassignment leaves out', () => {
    const input = aTransition('reassign', {
      item: { assigned_account_id: 'svc-a', assigned_role: 'admin' },
      request: { assigned_account_id: undefined, assigned_role: 'writer' },
    });
    expect(transition(input).assignment).toEqual({ account_id: null, role: 'writer' });
  });

  it('treats a blank reassignment field as left out', () => {
    const input = aTransition('reassign', { request: { assigned_account_id: 'svc-b', assigned_role: '  ' } });
    expect(transition(input).assignment).toEqual({ account_id: 'svc-b', role: null });
  });

  it('escalates to the escalation target, counting the escalation and announcing it', () => {
    const input = aTransition('escalate', {
      item: { status: 'changes_requested', assigned_account_id: 'svc-a', escalation_count: 1 },
    });
    const result = transition(input);
    expect(result).toMatchObject({
      status: 'escalated',
      assignment: { account_id: 'svc-oncall', role: 'admin' },
      escalation_count: 2,
      claimed_by_account_id: null,
    });
    expect(result.effects).toEqual([
      { kind: 'notify_escalation', assignment: { account_id: 'svc-oncall', role: 'admin' }, escalation_count: 2 },
    ]);
  });

  it('takes a claimed item from its claimant', () => {
    const input = aTransition('escalate', {
      item: { status: 'in_review', claimed_by_account_id: REVIEWER, assigned_account_id: REVIEWER },
    });
    expect(transition(input)).toMatchObject({
      status: 'escalated',
      claimed_by_account_id: null,
      assignment: { account_id: 'svc-oncall', role: 'admin' },
    });
  });

  it('clears the assigned account when the escalation target has none', () => {
    const input = aTransition('escalate', {
      item: { assigned_account_id: 'svc-a' },
      escalationTarget: { account_id: null, role: 'supervisor' },
    });
    expect(transition(input).assignment).toEqual({ account_id: null, role: 'supervisor' });
  });

  it('claims an item for the caller, keeping the assigned role', () => {
    const input = aTransition('claim', {
      item: { status: 'requested', assigned_account_id: 'svc-a', assigned_role: 'writer' },
    });
    expect(transition(input)).toMatchObject({
      status: 'in_review',
      claimed_by_account_id: REVIEWER,
      assignment: { account_id: REVIEWER, role: 'writer' },
      effects: [],
    });
  });

  it('releases a claim back to requested, keeping the assignment', () => {
    const input = aTransition('release', {
      item: { status: 'in_review', claimed_by_account_id: REVIEWER, assigned_account_id: REVIEWER },
    });
    expect(transition(input)).toMatchObject({
      status: 'requested',
      claimed_by_account_id: null,
      assignment: { account_id: REVIEWER, role: 'admin' },
      effects: [],
    });
  });

  it('leaves the claim and escalation count alone on a decision', () => {
    const input = aTransition('approve', { item: { claimed_by_account_id: REVIEWER, escalation_count: 3 } });
    expect(transition(input)).toMatchObject({ claimed_by_account_id: REVIEWER, escalation_count: 3 });
  });
});

describe('ACTION_PERMISSIONS', () => {
  it('asks for the permission SPEC §6.3 names for each action', () => {
    expect(ACTION_PERMISSIONS).toEqual({
      approve: 'workflow_review',
      reject: 'workflow_review',
      override: 'workflow_override',
      request_change: 'workflow_review',
      comment: 'workflow_review',
      reassign: 'workflow_assign',
      escalate: 'workflow_escalate',
      claim: 'workflow_review',
      release: 'workflow_review',
    });
  });
});

describe(assignmentLabel.name, () => {
  it('names the account first, then the role, then "unassigned"', () => {
    expect(assignmentLabel({ account_id: 'svc-a', role: 'admin' })).toBe('svc-a');
    expect(assignmentLabel({ account_id: null, role: 'admin' })).toBe('admin');
    expect(assignmentLabel({ account_id: null, role: null })).toBe('unassigned');
  });
});

describe('workflow statuses and actions', () => {
  it('splits statuses into open and terminal', () => {
    expect(['requested', 'in_review', 'changes_requested', 'escalated'].every(isOpenStatus)).toBe(true);
    expect(['approved', 'rejected', 'overridden'].every(isTerminalStatus)).toBe(true);
    expect(['approved', 'rejected', 'overridden', 'pending'].some(isOpenStatus)).toBe(false);
    expect(['requested', 'escalated', 'pending'].some(isTerminalStatus)).toBe(false);
  });

  it('recognises only the nine actions', () => {
    expect(isWorkflowAction('claim')).toBe(true);
    expect(isWorkflowAction('Approve')).toBe(false);
    expect(isWorkflowAction(undefined)).toBe(false);
    expect(isWorkflowAction(42)).toBe(false);
  });

  it('ranks priorities urgent first, low last', () => {
    expect(PRIORITY_RANK).toEqual({ urgent: 0, high: 1, normal: 2, low: 3 });
  });
});
