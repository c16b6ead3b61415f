import { DomainError } from '../common/error-codes';
import type { Permission } from '../config/service-accounts.config';
import type { Approval } from './workflow-item';
import type { WorkflowActionType, WorkflowStatus } from './workflow-status';
import { isOwnRequest, separationOfDutiesError } from './separation-of-duties';
import { approverOf, assertNoVoteYet, type Approver } from './workflow-quorum';

/** The permission each action needs (SPEC §6.3); the service checks it before `transition`. */
export const ACTION_PERMISSIONS: Readonly<Record<WorkflowActionType, Permission>> = Object.freeze({
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

export type Refusal = { readonly refuse: 'terminal' | 'already_escalated' };
export type TransitionTarget = WorkflowStatus | 'unchanged' | Refusal;
export type TransitionRow = Readonly<Record<WorkflowActionType, TransitionTarget>>;

const TERMINAL: Refusal = Object.freeze({ refuse: 'terminal' });
const ALREADY_ESCALATED: Refusal = Object.freeze({ refuse: 'already_escalated' });

const OPEN_ROW: TransitionRow = Object.freeze({
  approve: 'approved',
  reject: 'rejected',
  override: 'overridden',
  request_change: 'changes_requested',
  comment: 'unchanged',
  reassign: 'unchanged',
  escalate: 'escalated',
  claim: 'in_review',
  release: 'requested',
});

// Comments stay possible on closed items so reviewers can annotate a decision after the fact.
const TERMINAL_ROW: TransitionRow = Object.freeze({
  approve: TERMINAL,
  reject: TERMINAL,
  override: TERMINAL,
  request_change: TERMINAL,
  comment: 'unchanged',
  reassign: TERMINAL,
  escalate: TERMINAL,
  claim: TERMINAL,
  release: TERMINAL,
});

/** status × action → next status, `unchanged`, or a refusal (SPEC §6.3, STYLE rule 11). */
export const TRANSITIONS: Readonly<Record<WorkflowStatus, TransitionRow>> = Object.freeze({
  requested: OPEN_ROW,
  in_review: OPEN_ROW,
  changes_requested: OPEN_ROW,
  escalated: Object.freeze({ ...OPEN_ROW, escalate: ALREADY_ESCALATED }),
  approved: TERMINAL_ROW,
  rejected: TERMINAL_ROW,
  overridden: TERMINAL_ROW,
});

export type ActionOutcome =
  | 'vote_recorded'
  | 'approved'
  | 'rejected'
  | 'overridden'
  | 'changes_requested'
  | 'commented'
  | 'reassigned'
  | 'escalated'
  | 'claimed'
  | 'released';

export const ACTION_OUTCOMES: Readonly<Record<WorkflowActionType, ActionOutcome>> = Object.freeze({
  approve: 'approved',
  reject: 'rejected',
  override: 'overridden',
  request_change: 'changes_requested',
  comment: 'commented',
  reassign: 'reassigned',
  escalate: 'escalated',
  claim: 'claimed',
  release: 'released',
});

const REASON_REQUIRED: ReadonlySet<WorkflowActionType> = new Set([
  'approve',
  'reject',
  'override',
  'request_change',
  'escalate',
]);

export type TransitionInput = {
  action: WorkflowActionType;
  item: {
    workflow_id: string;
    workflow_kind: string;
    status: WorkflowStatus;
    claimed_by_account_id: string | null;
    assigned_account_id: string | null;
    assigned_role: string | null;
    escalation_count: number;
    requested_by: string | null;
    required_approvals: number;
    approvals: Approval[];
  };
  /** `person_sub`: the person behind the account, for people signed in through OIDC (SPEC §12). */
  actor: { account_id: string; is_admin: boolean; person_sub?: string | null };
  /** The vote's stamp, should an approve record one (SPEC §11.4). */
  stamp: { action_id: string; at: string };
  /** SPEC §11.3, on unless DG_SEPARATION_OF_DUTIES=false. */
  separationOfDuties: boolean;
  request: {
    reason?: string | null;
    note?: string | null;
    assigned_account_id?: string | null;
    assigned_role?: string | null;
    confirm_text?: string | null;
  };
  escalationTarget: { account_id: string | null; role: string };
};

export type Assignment = { account_id: string | null; role: string | null };

export type Effect =
  | {
      kind: 'append_decision';
      decision: 'approved' | 'rejected';
      subject: 'item' | 'override';
      approvers: Approver[];
    }
  | { kind: 'notify_changes_requested'; reason: string }
  | { kind: 'notify_assignment'; assignment: Assignment; reassigned: boolean }
  | { kind: 'notify_escalation'; assignment: Assignment; escalation_count: number };

export type TransitionResult = {
  status: WorkflowStatus;
  outcome: ActionOutcome;
  assignment: Assignment;
  claimed_by_account_id: string | null;
  escalation_count: number;
  clear_resolved_at: boolean;
  /** The votes after the action: one more on a vote or the deciding approve, none after request_change. */
  approvals: Approval[];
  /** Approvals still missing after a vote that did not decide. */
  approvals_remaining: number;
  /** A new current_reason (request_change), or undefined to keep it. */
  current_reason?: string;
  effects: Effect[];
};

/** The label of an assignment in notification messages and dedupe keys (SPEC §8). */
export function assignmentLabel(a: Assignment): string {
  return a.account_id ?? a.role ?? 'unassigned';
}

/** The phrase an override must be confirmed with. */
export function overrideConfirmText(workflowId: string): string {
  return `OVERRIDE ${workflowId.toUpperCase()}`;
}

/**
 * Applies one action to an item: the guards of SPEC §6.3 in order, then the table. Pure; throws
 * DomainError. Unknown action, missing item and permission are the caller's checks.
 */
export function transition(input: TransitionInput): TransitionResult {
  const { action, item } = input;
  const target = TRANSITIONS[item.status][action];
  checkSeparationOfDuties(input);
  if (action === 'comment' && !present(input.request.note) && !present(input.request.reason)) {
    throw invalid(item.workflow_id, 'comment requires a reason');
  }
  if (typeof target === 'object') throw refusal(target, item);
  checkRequest(input);
  checkVote(input);
  checkClaim(input);
  return apply(input, target === 'unchanged' ? item.status : target);
}

/** The actions that decide an item, which its requester may not take (SPEC §11.3). */
export const DECIDING_ACTIONS: ReadonlySet<WorkflowActionType> = new Set(['approve', 'reject', 'override']);

function checkSeparationOfDuties({ action, item, actor, separationOfDuties }: TransitionInput): void {
  if (separationOfDuties && DECIDING_ACTIONS.has(action) && isOwnRequest(item, actor.account_id)) {
    throw separationOfDutiesError(item.workflow_id);
  }
}

/** One vote per principal (SPEC §11.4); the quorum's rules live in workflow-quorum.ts. */
function checkVote({ action, item, actor }: TransitionInput): void {
  if (action === 'approve') assertNoVoteYet(item, actor);
}

function checkRequest({ action, item, request }: TransitionInput): void {
  const id = item.workflow_id;
  if (action === 'override' && item.workflow_kind !== 'exception_review') {
    throw invalid(id, 'override is only allowed on exception reviews');
  }
  if (REASON_REQUIRED.has(action) && !present(request.reason)) {
    throw invalid(id, `${action} requires a reason`);
  }
  if (action === 'reassign' && !present(request.assigned_account_id) && !present(request.assigned_role)) {
    throw invalid(id, 'reassign requires assigned_account_id or assigned_role');
  }
  if (action === 'override' && request.confirm_text !== overrideConfirmText(id)) {
    throw invalid(id, `override requires confirm_text "${overrideConfirmText(id)}"`);
  }
}

function checkClaim({ action, item, actor }: TransitionInput): void {
  const holder = item.claimed_by_account_id;
  if (action === 'claim' && holder !== null && holder !== actor.account_id) {
    throw claimedBy(item.workflow_id, holder);
  }
  if (action !== 'release') return;
  if (holder === null) {
    throw new DomainError('conflict', `Workflow ${item.workflow_id} is not claimed`, { workflow_id: item.workflow_id });
  }
  if (holder !== actor.account_id && !actor.is_admin) throw claimedBy(item.workflow_id, holder);
}

function apply(input: TransitionInput, status: WorkflowStatus): TransitionResult {
  const { action, item, actor } = input;
  const result: TransitionResult = {
    status,
    outcome: ACTION_OUTCOMES[action],
    assignment: { account_id: item.assigned_account_id, role: item.assigned_role },
    claimed_by_account_id: item.claimed_by_account_id,
    escalation_count: item.escalation_count,
    clear_resolved_at: action === 'request_change',
    approvals: item.approvals,
    approvals_remaining: 0,
    effects: [],
  };
  const decide = (decision: 'approved' | 'rejected', subject: 'item' | 'override', approvers: Approver[]) =>
    withEffect(result, { kind: 'append_decision', decision, subject, approvers });
  const self = { account_id: actor.account_id, person_sub: actor.person_sub ?? null };
  switch (action) {
    case 'approve': {
      const vote: Approval = { ...self, reason: input.request.reason ?? null, ...input.stamp };
      const approvals = [...item.approvals, vote];
      const remaining = Math.max(item.required_approvals - approvals.length, 0);
      if (remaining > 0) {
        // A vote short of the quorum: recorded on the item, nothing decided, nothing in the log.
        return { ...result, status: item.status, outcome: 'vote_recorded', approvals, approvals_remaining: remaining };
      }
      return { ...decide('approved', 'item', approvals.map(approverOf)), approvals };
    }
    case 'reject':
      // A veto: one reject decides whatever the votes.
      return decide('rejected', 'item', [approverOf(self)]);
    case 'override':
      return decide('approved', 'override', [approverOf(self)]);
    case 'request_change': {
      // The request is to change: votes given for it as it was no longer count.
      const reason = input.request.reason as string;
      return withEffect(
        { ...result, approvals: [], current_reason: reason },
        { kind: 'notify_changes_requested', reason },
      );
    }
    case 'reassign': {
      const assignment = {
        account_id: orNull(input.request.assigned_account_id),
        role: orNull(input.request.assigned_role),
      };
      return withEffect({ ...result, assignment }, { kind: 'notify_assignment', assignment, reassigned: true });
    }
    case 'escalate': {
      const assignment = { account_id: input.escalationTarget.account_id, role: input.escalationTarget.role };
      const escalation_count = item.escalation_count + 1;
      // Like the SLA's escalation: the item leaves its claimant for the escalation target.
      return withEffect(
        { ...result, assignment, escalation_count, claimed_by_account_id: null },
        { kind: 'notify_escalation', assignment, escalation_count },
      );
    }
    case 'claim':
      return {
        ...result,
        claimed_by_account_id: actor.account_id,
        assignment: { ...result.assignment, account_id: actor.account_id },
      };
    case 'release':
      return { ...result, claimed_by_account_id: null };
    case 'comment':
      return result;
  }
}

function withEffect(result: TransitionResult, effect: Effect): TransitionResult {
  return { ...result, effects: [...result.effects, effect] };
}

function refusal(r: Refusal, item: TransitionInput['item']): DomainError {
  const state = r.refuse === 'already_escalated' ? 'escalated' : item.status;
  return invalid(item.workflow_id, `already ${state}`);
}

function invalid(workflowId: string, message: string): DomainError {
  return new DomainError('invalid_argument', message, { workflow_id: workflowId });
}

function claimedBy(workflowId: string, holder: string): DomainError {
  return new DomainError('conflict', `Workflow ${workflowId} is claimed by ${holder}`, {
    workflow_id: workflowId,
    claimed_by: holder,
  });
}

function present(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function orNull(value: string | null | undefined): string | null {
  return present(value) ? value : null;
}
