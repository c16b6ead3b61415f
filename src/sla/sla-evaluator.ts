import type { WorkflowItem } from '../workflow/workflow-item';

/** What SPEC §7 asks of an item at `now`. */
export type SlaVerdict = 'escalate' | 'deadline_risk' | 'none';

const ESCALATABLE = new Set(['requested', 'in_review', 'changes_requested']);
const OPEN = new Set(['requested', 'in_review', 'changes_requested', 'escalated']);

/**
 * Past due and not yet escalated → escalate (an item sent back with request_change is escalatable
 * again); open and due within the warning window (0 < due − now ≤ window) → deadline risk.
 */
export function evaluateSla(item: Pick<WorkflowItem, 'status' | 'sla_due_at'>, now: Date, warningMinutes: number): SlaVerdict {
  const untilDue = item.sla_due_at.getTime() - now.getTime();
  if (ESCALATABLE.has(item.status) && untilDue < 0) return 'escalate';
  if (OPEN.has(item.status) && untilDue > 0 && untilDue <= warningMinutes * 60_000) return 'deadline_risk';
  return 'none';
}
