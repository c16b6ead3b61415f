import type { WorkflowStatus } from './workflow-status';

/**
 * The inputs that change an item's status without a reviewer's action (SPEC §6.1, §7): a request
 * from the log (an exception or a review asked for again), a decision from the log, and the SLA's
 * breach. Together with the actions' table (workflow-transitions.ts) they are the only writers of
 * status: the import rules and the SLA service take their next status from here.
 */
export const SYSTEM_INPUTS = [
  'requested_again',
  'approval_recorded',
  'rejection_recorded',
  'override_recorded',
  'sla_breach',
] as const;

export type SystemInput = (typeof SYSTEM_INPUTS)[number];

/** What a system input leaves: a status, or `unchanged` (the input is recorded, the status stays). */
export type SystemTarget = WorkflowStatus | 'unchanged';

// The log is the source of truth, so a decision from it applies to every item, terminal or not.
const DECISIONS = {
  approval_recorded: 'approved',
  rejection_recorded: 'rejected',
  override_recorded: 'overridden',
} as const;

/** An open item asked for again goes back to the queue; the SLA escalates one not yet escalated. */
const QUEUED = Object.freeze({ requested_again: 'requested', ...DECISIONS, sla_breach: 'escalated' } as const);

const TERMINAL = Object.freeze({ requested_again: 'unchanged', ...DECISIONS, sla_breach: 'unchanged' } as const);

/**
 * status × system input → next status. `sla_breach` is asked only of items the SLA evaluator
 * found escalatable (sla-evaluator.ts); on an escalated item it changes nothing.
 */
export const SYSTEM_TRANSITIONS: Readonly<Record<WorkflowStatus, Readonly<Record<SystemInput, SystemTarget>>>> =
  Object.freeze({
    requested: QUEUED,
    in_review: QUEUED,
    changes_requested: QUEUED,
    escalated: Object.freeze({ ...QUEUED, sla_breach: 'unchanged' }),
    approved: TERMINAL,
    rejected: TERMINAL,
    overridden: TERMINAL,
  });

/** The status an item has after a system input. */
export function systemTransition(status: WorkflowStatus, input: SystemInput): WorkflowStatus {
  const target = SYSTEM_TRANSITIONS[status][input];
  return target === 'unchanged' ? status : target;
}
