import { DomainError } from '../../src/common/error-codes';
import type { WorkflowActionType } from '../../src/workflow/workflow-status';
import type { TransitionInput } from '../../src/workflow/workflow-transitions';

export const WORKFLOW_ID = 'trace-123:exception:ex-42';
export const CONFIRM_TEXT = 'OVERRIDE TRACE-123:EXCEPTION:EX-42';
export const REVIEWER = 'svc-reviewer';
/** The account that requested the item: it may not decide it (SPEC §11.3). */
export const REQUESTER = 'policy-engine';

type Overrides = {
  item?: Partial<TransitionInput['item']>;
  actor?: Partial<TransitionInput['actor']>;
  request?: TransitionInput['request'];
  escalationTarget?: Partial<TransitionInput['escalationTarget']>;
  separationOfDuties?: boolean;
};

/**
 * An input that passes every guard for `action` on an open, unclaimed exception review, with a
 * request carrying every field; override a field to break one guard.
 */
export function aTransition(action: WorkflowActionType, overrides: Overrides = {}): TransitionInput {
  return {
    action,
    item: {
      workflow_id: WORKFLOW_ID,
      workflow_kind: 'exception_review',
      status: 'requested',
      claimed_by_account_id: null,
      assigned_account_id: null,
      assigned_role: 'admin',
      escalation_count: 0,
      requested_by: REQUESTER,
      required_approvals: 1,
      approvals: [],
      ...overrides.item,
    },
    actor: { account_id: REVIEWER, is_admin: false, person_sub: null, ...overrides.actor },
    stamp: { action_id: 'wfa:test', at: '2026-11-25T10:00:00.000Z' },
    separationOfDuties: overrides.separationOfDuties ?? true,
    request: {
      reason: 'Discount is within the regional cap',
      note: 'Checked the contract',
      assigned_account_id: 'svc-writer',
      assigned_role: 'writer',
      confirm_text: CONFIRM_TEXT,
      ...overrides.request,
    },
    escalationTarget: { account_id: 'svc-oncall', role: 'admin', ...overrides.escalationTarget },
  };
}

/** The DomainError `fn` throws, as `{code, message, details}`; any other outcome fails the test. */
export function domainErrorOf(fn: () => unknown): Pick<DomainError, 'code' | 'message' | 'details'> {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}
