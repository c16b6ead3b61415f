import {
  aTransition,
  domainErrorOf,
  REQUESTER,
  REVIEWER,
  WORKFLOW_ID,
} from '../../test/factories/workflow-transitions';
import type { Approval } from './workflow-item';
import { WORKFLOW_ACTIONS, WORKFLOW_STATUSES } from './workflow-status';
import { DECIDING_ACTIONS, transition, TRANSITIONS } from './workflow-transitions';

const vote = (account_id: string, person_sub: string | null = null): Approval => ({
  account_id,
  person_sub,
  reason: 'looks right',
  at: '2026-11-25T09:00:00.000Z',
  action_id: `wfa:${account_id}`,
});

const PAIRS = WORKFLOW_STATUSES.flatMap((status) => WORKFLOW_ACTIONS.map((action) => ({ status, action })));

describe(`${transition.name}: separation of duties (SPEC §11.3)`, () => {
  it.each(PAIRS)('$action by the requester on a $status item', ({ status, action }) => {
    const input = aTransition(action, {
      item: { status, claimed_by_account_id: REQUESTER },
      actor: { account_id: REQUESTER },
    });
    if (DECIDING_ACTIONS.has(action)) {
      expect(domainErrorOf(() => transition(input))).toEqual({
        code: 'forbidden',
        message: 'separation of duties: the requester cannot decide its own request',
        details: { rule: 'separation_of_duties', workflow_id: WORKFLOW_ID },
      });
      return;
    }
    // Every other action is the table's to judge, as for anyone else.
    const other = aTransition(action, { item: { status, claimed_by_account_id: REVIEWER } });
    const expected = typeof TRANSITIONS[status][action] === 'object' ? 'refused' : 'allowed';
    const outcome = (fn: () => unknown) => {
      try {
        fn();
        return 'allowed';
      } catch {
        return 'refused';
      }
    };
    expect(outcome(() => transition(input))).toBe(expected);
    expect(outcome(() => transition(other))).toBe(expected);
  });

  it('lets the requester decide when the rule is turned off', () => {
    const input = aTransition('approve', { actor: { account_id: REQUESTER }, separationOfDuties: false });
    expect(transition(input).status).toBe('approved');
  });

  it('treats an item without a recorded requester as nobody’s own', () => {
    const input = aTransition('reject', { item: { requested_by: null }, actor: { account_id: REQUESTER } });
    expect(transition(input).status).toBe('rejected');
  });

  it('refuses the requester before it looks at the status', () => {
    const input = aTransition('approve', { item: { status: 'approved' }, actor: { account_id: REQUESTER } });
    expect(domainErrorOf(() => transition(input)).code).toBe('forbidden');
  });
});

describe(`${transition.name}: quorum (SPEC §11.4)`, () => {
  it('records a vote short of the quorum without deciding or appending', () => {
    const result = transition(aTransition('approve', { item: { required_approvals: 2, status: 'in_review' } }));
    expect(result).toMatchObject({
      status: 'in_review',
      outcome: 'vote_recorded',
      approvals_remaining: 1,
      effects: [],
    });
    expect(result.approvals).toEqual([
      {
        account_id: REVIEWER,
        person_sub: null,
        reason: 'Discount is within the regional cap',
        at: '2026-11-25T10:00:00.000Z',
        action_id: 'wfa:test',
      },
    ]);
  });

  it('decides on the vote that completes the quorum, listing every approver', () => {
    const input = aTransition('approve', {
      item: { required_approvals: 3, approvals: [vote('svc-a'), vote('oidc:alice', 'alice')] },
    });
    const result = transition(input);
    expect(result.status).toBe('approved');
    expect(result.approvals).toHaveLength(3);
    expect(result.effects).toEqual([
      {
        kind: 'append_decision',
        decision: 'approved',
        subject: 'item',
        approvers: [
          { actor_type: 'role', actor_id: 'svc-a' },
          { actor_type: 'person', actor_id: 'alice' },
          { actor_type: 'role', actor_id: REVIEWER },
        ],
      },
    ]);
  });

  it('refuses a second vote by the same principal', () => {
    const input = aTransition('approve', { item: { required_approvals: 2, approvals: [vote(REVIEWER)] } });
    expect(domainErrorOf(() => transition(input))).toEqual({
      code: 'conflict',
      message: `already approved by ${REVIEWER}`,
      details: { workflow_id: WORKFLOW_ID, account_id: REVIEWER },
    });
  });

  it('counts a person once whichever account they vote through', () => {
    const input = aTransition('approve', {
      item: { required_approvals: 3, approvals: [vote('oidc:alice', 'alice')] },
      actor: { account_id: 'oidc:alice-2', person_sub: 'alice' },
    });
    expect(domainErrorOf(() => transition(input)).code).toBe('conflict');
  });

  it('lets one reject veto whatever the votes', () => {
    const input = aTransition('reject', { item: { required_approvals: 3, approvals: [vote('svc-a'), vote('svc-b')] } });
    expect(transition(input)).toMatchObject({ status: 'rejected', outcome: 'rejected' });
  });

  it('clears the votes on request_change', () => {
    const input = aTransition('request_change', { item: { required_approvals: 2, approvals: [vote('svc-a')] } });
    expect(transition(input).approvals).toEqual([]);
  });

  it('decides an override regardless of the votes', () => {
    const input = aTransition('override', { item: { required_approvals: 5, approvals: [vote('svc-a')] } });
    expect(transition(input)).toMatchObject({ status: 'overridden', approvals: [vote('svc-a')] });
  });

  it('keeps the votes on escalation and reassignment', () => {
    for (const action of ['escalate', 'reassign', 'comment', 'claim'] as const) {
      const input = aTransition(action, { item: { required_approvals: 2, approvals: [vote('svc-a')] } });
      expect(transition(input).approvals).toEqual([vote('svc-a')]);
    }
  });
});
