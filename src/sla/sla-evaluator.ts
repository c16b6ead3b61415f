import type { WorkflowItem } from '../workflow/workflow-item';
import { OPEN_STATUSES } from '../workflow/workflow-status';

/** What SPEC §7 asks of an item at `now`. */
export type SlaVerdict = 'escalate' | 'deadline_risk' | 'none';

/** Open statuses an overdue item is escalated from (an escalated one waits for its target). */
export const ESCALATABLE_STATUSES = OPEN_STATUSES.filter((s) => s !== 'escalated');
const ESCALATABLE = new Set<string>(ESCALATABLE_STATUSES);
const OPEN = new Set<string>(OPEN_STATUSES);

/**
 * Past due and escalatable → escalate; open and due within the warning window (0 < due − now ≤
 * window) → deadline risk. An item escalated before is escalated again when it is back in the
 * queue and still overdue — sent back with request_change, released, or requested again — so it
 * never goes quiet; only a claim (in_review) holds it: the escalation target working on an overdue
 * item must not have it bounced away.
 */
export function evaluateSla(
  item: Pick<WorkflowItem, 'status' | 'sla_due_at' | 'escalation_count'>,
  now: Date,
  warningMinutes: number,
): SlaVerdict {
  const untilDue = item.sla_due_at.getTime() - now.getTime();
  if (untilDue < 0 && escalatable(item)) return 'escalate';
  if (OPEN.has(item.status) && untilDue > 0 && untilDue <= warningMinutes * 60_000) return 'deadline_risk';
  return 'none';
}

function escalatable(item: Pick<WorkflowItem, 'status' | 'escalation_count'>): boolean {
  return ESCALATABLE.has(item.status) && (item.escalation_count === 0 || item.status !== 'in_review');
}
