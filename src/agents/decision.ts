import type { WorkflowItem } from '../workflow/workflow-item';
import { isTerminalStatus } from '../workflow/workflow-status';

/** SPEC §17's answer to "is it decided?", from an item and the account that decided it. */
export type Decision = {
  workflow_id: string;
  status: string;
  decided: boolean;
  decision: string | null;
  reason: string | null;
  decided_by: string | null;
  decided_at: string | null;
  changes_requested: boolean;
  version: number;
};

/** Whether a waiter has its answer: the item is terminal, or a reviewer asked for changes. */
export function isSettled(item: Pick<WorkflowItem, 'status'>): boolean {
  return isTerminalStatus(item.status) || item.status === 'changes_requested';
}

export function decisionOf(item: WorkflowItem, decidedBy: string | null): Decision {
  const decided = isTerminalStatus(item.status);
  const changesRequested = item.status === 'changes_requested';
  return {
    workflow_id: item.workflow_id,
    status: item.status,
    decided,
    decision: decided ? item.current_decision : null,
    reason: decided || changesRequested ? item.current_reason : null,
    decided_by: decided ? decidedBy : null,
    decided_at: decided ? (item.resolved_at?.toISOString() ?? null) : null,
    changes_requested: changesRequested,
    version: item.version,
  };
}
