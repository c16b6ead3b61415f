import {
  aTransition,
  CONFIRM_TEXT,
  domainErrorOf,
  REVIEWER,
  WORKFLOW_ID,
} from '../../test/factories/workflow-transitions';
import { WORKFLOW_ACTIONS, WORKFLOW_STATUSES, WorkflowActionType, WorkflowStatus } from './workflow-status';
import { Refusal, transition, TRANSITIONS, TransitionTarget } from './workflow-transitions';

const SAME = 'unchanged';
const TERMINAL: Refusal = { refuse: 'terminal' };
const ESCALATED: Refusal = { refuse: 'already_escalated' };

// SPEC §6.3 written out by hand, one row per status, so the table is checked against the spec
// rather than against itself.
const COLUMNS: WorkflowActionType[] = [
  'approve',
  'reject',
  'override',
  'request_change',
  'comment',
  'reassign',
  'escalate',
  'claim',
  'release',
];
const EXPECTED: Record<WorkflowStatus, TransitionTarget[]> = {
  requested: [
    'approved',
    'rejected',
    'overridden',
    'changes_requested',
    SAME,
    SAME,
    'escalated',
    'in_review',
    'requested',
  ],
  in_review: [
    'approved',
    'rejected',
    'overridden',
    'changes_requested',
    SAME,
    SAME,
    'escalated',
    'in_review',
    'requested',
  ],
  changes_requested: [
    'approved',
    'rejected',
    'overridden',
    'changes_requested',
    SAME,
    SAME,
    'escalated',
    'in_review',
    'requested',
  ],
  escalated: [
    'approved',
    'rejected',
    'overridden',
    'changes_requested',
    SAME,
    SAME,
    ESCALATED,
    'in_review',
    'requested',
  ],
  approved: [TERMINAL, TERMINAL, TERMINAL, TERMINAL, SAME, TERMINAL, TERMINAL, TERMINAL, TERMINAL],
  rejected: [TERMINAL, TERMINAL, TERMINAL, TERMINAL, SAME, TERMINAL, TERMINAL, TERMINAL, TERMINAL],
  overridden: [TERMINAL, TERMINAL, TERMINAL, TERMINAL, SAME, TERMINAL, TERMINAL, TERMINAL, TERMINAL],
};

const PAIRS = (Object.keys(EXPECTED) as WorkflowStatus[]).flatMap((status) =>
  COLUMNS.map((action, i) => ({ status, action, expected: EXPECTED[status][i], shown: shown(EXPECTED[status][i]) })),
);

function shown(t: TransitionTarget): string {
  return typeof t === 'object' ? `refused (${t.refuse})` : t;
}

describe(transition.name, () => {
  describe('the transition table', () => {
    it('has a row for every status and a column for every action', () => {
      expect(Object.keys(EXPECTED).sort()).toEqual([...WORKFLOW_STATUSES].sort());
      expect([...COLUMNS].sort()).toEqual([...WORKFLOW_ACTIONS].sort());
      expect(Object.keys(TRANSITIONS).sort()).toEqual([...WORKFLOW_STATUSES].sort());
      for (const status of WORKFLOW_STATUSES)
        expect(Object.keys(TRANSITIONS[status]).sort()).toEqual([...WORKFLOW_ACTIONS].sort());
    });

    it.each(PAIRS)('$action on a $status item is $shown', ({ status, action, expected }) => {
      expect(TRANSITIONS[status][action]).toEqual(expected);
      // A claim held by the actor lets release through; every other guard is satisfied by the factory.
      const input = aTransition(action, { item: { status, claimed_by_account_id: REVIEWER } });
      if (typeof expected === 'object') {
        const state = expected.refuse === 'already_escalated' ? 'escalated' : status;
        expect(domainErrorOf(() => transition(input))).toMatchObject({
          code: 'invalid_argument',
          message: `already ${state}`,
        });
      } else {
        expect(transition(input).status).toBe(expected === SAME ? status : expected);
      }
    });
  });

  describe('guards', () => {
    it('refuses approve on a rejected item', () => {
      expect(domainErrorOf(() => transition(aTransition('approve', { item: { status: 'rejected' } })))).toEqual({
        code: 'invalid_argument',
        message: `already rejected`,
        details: { workflow_id: WORKFLOW_ID },
      });
    });

    it('allows a comment on a terminal item', () => {
      expect(transition(aTransition('comment', { item: { status: 'overridden' } })).status).toBe('overridden');
    });

    it('accepts a comment that carries only a reason', () => {
      expect(transition(aTransition('comment', { request: { note: null } })).outcome).toBe('commented');
    });

    it.each([
      ['absent', undefined],
      ['blank', '   '],
    ])('refuses a comment whose note and reason are %s', (_label, value) => {
      const input = aTransition('comment', { request: { note: value, reason: value } });
      expect(domainErrorOf(() => transition(input))).toMatchObject({
        code: 'invalid_argument',
        message: 'comment requires a reason',
      });
    });

    it('refuses escalate on an escalated item', () => {
      const input = aTransition('escalate', { item: { status: 'escalated' } });
      expect(domainErrorOf(() => transition(input))).toMatchObject({
        code: 'invalid_argument',
        message: `already escalated`,
      });
    });

    it('refuses override on an item that is not an exception review', () => {
      const input = aTransition('override', { item: { workflow_kind: 'incident_review' } });
      expect(domainErrorOf(() => transition(input))).toMatchObject({
        code: 'invalid_argument',
        message: 'override is only allowed on exception reviews',
      });
    });

    it.each(['approve', 'reject', 'override', 'request_change', 'escalate'] as const)(
      'refuses %s without a reason',
      (action) => {
        expect(domainErrorOf(() => transition(aTransition(action, { request: { reason: undefined } })))).toMatchObject({
          code: 'invalid_argument',
          message: `${action} requires a reason`,
        });
      },
    );

    it.each(['approve', 'reject', 'override', 'request_change', 'escalate'] as const)(
      'refuses %s with a blank reason',
      (action) => {
        expect(domainErrorOf(() => transition(aTransition(action, { request: { reason: ' \t' } }))).message).toBe(
          `${action} requires a reason`,
        );
      },
    );

    it.each(['comment', 'reassign', 'claim', 'release'] as const)('does not require a reason for %s', (action) => {
      const input = aTransition(action, { item: { claimed_by_account_id: REVIEWER }, request: { reason: null } });
      expect(() => transition(input)).not.toThrow();
    });

    it.each([
      ['absent', undefined],
      ['blank', ''],
    ])('refuses reassign when the account and role are %s', (_label, value) => {
      const input = aTransition('reassign', { request: { assigned_account_id: value, assigned_role: value } });
      expect(domainErrorOf(() => transition(input))).toMatchObject({
        code: 'invalid_argument',
        message: 'reassign requires assigned_account_id or assigned_role',
      });
    });

    it.each([
      ['missing', undefined],
      ['lower-cased', `override ${WORKFLOW_ID}`],
      ['for the id as typed', `OVERRIDE ${WORKFLOW_ID}`],
      ['padded', ` ${CONFIRM_TEXT} `],
    ])('refuses override with a confirmation phrase that is %s, naming the expected phrase', (_label, confirm_text) => {
      expect(domainErrorOf(() => transition(aTransition('override', { request: { confirm_text } })))).toEqual({
        code: 'invalid_argument',
        message: 'override requires confirm_text "OVERRIDE TRACE-123:EXCEPTION:EX-42"',
        details: { workflow_id: WORKFLOW_ID },
      });
    });
  });

  describe('guard order', () => {
    it('reports a terminal item before a non-exception kind and a missing reason', () => {
      const input = aTransition('override', {
        item: { status: 'approved', workflow_kind: 'incident_review' },
        request: { reason: null, confirm_text: null },
      });
      expect(domainErrorOf(() => transition(input)).message).toBe(`already approved`);
    });

    it('reports an already escalated item before a missing reason', () => {
      const input = aTransition('escalate', { item: { status: 'escalated' }, request: { reason: '' } });
      expect(domainErrorOf(() => transition(input)).message).toBe(`already escalated`);
    });

    it('asks a comment without a note on a terminal item for the note, not about the status', () => {
      const input = aTransition('comment', { item: { status: 'rejected' }, request: { note: null, reason: null } });
      expect(domainErrorOf(() => transition(input)).message).toBe('comment requires a reason');
    });

    it('reports a non-exception kind before a missing reason and a wrong phrase', () => {
      const input = aTransition('override', {
        item: { workflow_kind: 'incident_review' },
        request: { reason: null, confirm_text: 'nope' },
      });
      expect(domainErrorOf(() => transition(input)).message).toBe('override is only allowed on exception reviews');
    });

    it('reports a missing reason before a wrong confirmation phrase', () => {
      const input = aTransition('override', { request: { reason: null, confirm_text: 'nope' } });
      expect(domainErrorOf(() => transition(input)).message).toBe('override requires a reason');
    });

    it('reports a terminal item before a missing reassign target', () => {
      const input = aTransition('reassign', {
        item: { status: 'rejected' },
        request: { assigned_account_id: null, assigned_role: null },
      });
      expect(domainErrorOf(() => transition(input)).message).toBe(`already rejected`);
    });

    it('reports a terminal item before a claim held by someone else', () => {
      const input = aTransition('claim', { item: { status: 'approved', claimed_by_account_id: 'svc-other' } });
      expect(domainErrorOf(() => transition(input))).toMatchObject({
        code: 'invalid_argument',
        message: `already approved`,
      });
    });

    it('reports a terminal item before an unclaimed release', () => {
      const input = aTransition('release', { item: { status: 'overridden', claimed_by_account_id: null } });
      expect(domainErrorOf(() => transition(input))).toMatchObject({
        code: 'invalid_argument',
        message: `already overridden`,
      });
    });
  });

  describe('claims', () => {
    it('refuses a claim held by another account with a conflict', () => {
      const input = aTransition('claim', { item: { claimed_by_account_id: 'svc-other' } });
      expect(domainErrorOf(() => transition(input))).toEqual({
        code: 'conflict',
        message: `Workflow ${WORKFLOW_ID} is claimed by svc-other`,
        details: { workflow_id: WORKFLOW_ID, claimed_by: 'svc-other' },
      });
    });

    it('refuses a claim held by another account even for an admin', () => {
      const input = aTransition('claim', { item: { claimed_by_account_id: 'svc-other' }, actor: { is_admin: true } });
      expect(domainErrorOf(() => transition(input)).code).toBe('conflict');
    });

    it('lets the claimant claim again', () => {
      const result = transition(
        aTransition('claim', { item: { status: 'in_review', claimed_by_account_id: REVIEWER } }),
      );
      expect(result).toMatchObject({ status: 'in_review', claimed_by_account_id: REVIEWER, outcome: 'claimed' });
    });

    it('refuses to release an unclaimed item', () => {
      expect(domainErrorOf(() => transition(aTransition('release')))).toEqual({
        code: 'conflict',
        message: `Workflow ${WORKFLOW_ID} is not claimed`,
        details: { workflow_id: WORKFLOW_ID },
      });
    });

    it('refuses a release by someone other than the claimant', () => {
      const input = aTransition('release', { item: { status: 'in_review', claimed_by_account_id: 'svc-other' } });
      expect(domainErrorOf(() => transition(input))).toEqual({
        code: 'conflict',
        message: `Workflow ${WORKFLOW_ID} is claimed by svc-other`,
        details: { workflow_id: WORKFLOW_ID, claimed_by: 'svc-other' },
      });
    });

    it("lets an admin release someone else's claim", () => {
      const input = aTransition('release', {
        item: { status: 'in_review', claimed_by_account_id: 'svc-other' },
        actor: { is_admin: true },
      });
      expect(transition(input)).toMatchObject({
        status: 'requested',
        claimed_by_account_id: null,
        outcome: 'released',
      });
    });
  });
});
