/** Statuses, actions and priorities of workflow items (SPEC §6.3, §6.4). */

export const OPEN_STATUSES = ['requested', 'in_review', 'changes_requested', 'escalated'] as const;
export const TERMINAL_STATUSES = ['approved', 'rejected', 'overridden'] as const;
export const WORKFLOW_STATUSES = [...OPEN_STATUSES, ...TERMINAL_STATUSES] as const;

export type OpenStatus = (typeof OPEN_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

export function isWorkflowStatus(value: unknown): value is WorkflowStatus {
  return typeof value === 'string' && (WORKFLOW_STATUSES as readonly string[]).includes(value);
}

export function isOpenStatus(status: string): status is OpenStatus {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

export function isTerminalStatus(status: string): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export const WORKFLOW_ACTIONS = [
  'approve',
  'reject',
  'override',
  'request_change',
  'comment',
  'reassign',
  'escalate',
  'claim',
  'release',
] as const;

export type WorkflowActionType = (typeof WORKFLOW_ACTIONS)[number];

export function isWorkflowAction(value: unknown): value is WorkflowActionType {
  return typeof value === 'string' && (WORKFLOW_ACTIONS as readonly string[]).includes(value);
}

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value);
}

/** Inbox order: a lower rank comes first. */
export const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
