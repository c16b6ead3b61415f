/**
 * Which actions the console offers on an item (SPEC §6.3): the service's transition table and
 * permissions, mirrored here so that a button is shown only for an action the service would
 * accept now. `allowed-actions.spec.ts` checks this copy against src/workflow/workflow-transitions.ts.
 */
export type ActionType =
  'claim' | 'release' | 'approve' | 'reject' | 'request_change' | 'comment' | 'reassign' | 'escalate' | 'override';

export const ACTION_ORDER: readonly ActionType[] = [
  'claim',
  'release',
  'approve',
  'reject',
  'request_change',
  'comment',
  'reassign',
  'escalate',
  'override',
];

/** The accessible names of SPEC §13. */
export const ACTION_LABELS: Readonly<Record<ActionType, string>> = {
  claim: 'Claim',
  release: 'Release',
  approve: 'Approve',
  reject: 'Reject',
  request_change: 'Request changes',
  comment: 'Comment',
  reassign: 'Reassign',
  escalate: 'Escalate',
  override: 'Override',
};

export const ACTION_PERMISSION: Readonly<Record<ActionType, string>> = {
  approve: 'workflow_review',
  reject: 'workflow_review',
  override: 'workflow_override',
  request_change: 'workflow_review',
  comment: 'workflow_review',
  reassign: 'workflow_assign',
  escalate: 'workflow_escalate',
  claim: 'workflow_review',
  release: 'workflow_review',
};

export const OPEN_STATUSES = ['requested', 'in_review', 'changes_requested', 'escalated'] as const;
export const TERMINAL_STATUSES = ['approved', 'rejected', 'overridden'] as const;

/** The actions each status accepts (the rows of the service's table without refusals). */
export const ACCEPTED_BY_STATUS: Readonly<Record<string, readonly ActionType[]>> = {
  requested: ACTION_ORDER,
  in_review: ACTION_ORDER,
  changes_requested: ACTION_ORDER,
  escalated: ACTION_ORDER.filter((a) => a !== 'escalate'),
  approved: ['comment'],
  rejected: ['comment'],
  overridden: ['comment'],
};

export type Principal = { account_id: string; roles: readonly string[]; permissions: readonly string[] };
export type ActionableItem = {
  status: string;
  workflow_kind: string;
  claimed_by_account_id: string | null;
  /** The account that requested the item (SPEC §11.3); null on items from before attribution. */
  requested_by: string | null;
  approvals: readonly { account_id: string }[];
};

/** The actions that decide an item, which its requester may not take (separation of duties). */
export const DECIDING_ACTIONS: readonly ActionType[] = ['approve', 'reject', 'override'];

const ACTING_ROLES = ['writer', 'admin'];

/** The actions `principal` may take on `item` now, in display order. */
export function allowedActions(item: ActionableItem, principal: Principal): ActionType[] {
  if (!principal.roles.some((r) => ACTING_ROLES.includes(r))) return [];
  const isAdmin = principal.roles.includes('admin');
  const holder = item.claimed_by_account_id;
  const ownRequest = isOwnRequest(item, principal);
  return (ACCEPTED_BY_STATUS[item.status] ?? []).filter((action) => {
    if (!hasPermission(principal, ACTION_PERMISSION[action])) return false;
    if (ownRequest && DECIDING_ACTIONS.includes(action)) return false;
    switch (action) {
      case 'approve':
        // One vote per principal (SPEC §11.4).
        return !item.approvals.some((vote) => vote.account_id === principal.account_id);
      case 'override':
        return item.workflow_kind === 'exception_review';
      case 'claim':
        return holder === null;
      case 'release':
        return holder !== null && (holder === principal.account_id || isAdmin);
      default:
        return true;
    }
  });
}

export function isOwnRequest(item: Pick<ActionableItem, 'requested_by'>, principal: Principal): boolean {
  return item.requested_by !== null && item.requested_by === principal.account_id;
}

export function hasPermission(principal: Principal, permission: string): boolean {
  return principal.permissions.includes('*') || principal.permissions.includes(permission);
}

/** The phrase an override must be confirmed with. */
export function overridePhrase(workflowId: string): string {
  return `OVERRIDE ${workflowId.toUpperCase()}`;
}
