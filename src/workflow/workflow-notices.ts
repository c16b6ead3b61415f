import type { NotificationDraft } from '../notifications/notification';
import type { WorkflowItem } from './workflow-item';
import { assignmentLabel } from './workflow-transitions';

/** SPEC §8's notifications of an item; the recipient is the item's assignment when written. */
function notice(
  item: WorkflowItem,
  draft: Omit<NotificationDraft, 'workflow_id' | 'recipient_account_id' | 'recipient_role'>,
): NotificationDraft {
  return {
    workflow_id: item.workflow_id,
    recipient_account_id: item.assigned_account_id,
    recipient_role: item.assigned_role,
    ...draft,
  };
}

const labelOf = (item: WorkflowItem) =>
  assignmentLabel({ account_id: item.assigned_account_id, role: item.assigned_role });

export function assignmentNotice(item: WorkflowItem, reassigned: boolean): NotificationDraft {
  const label = labelOf(item);
  return notice(item, {
    category: 'assignment',
    dedupe_key: `assignment:${item.workflow_id}:${label}`,
    message: `Workflow ${item.workflow_id} ${reassigned ? 'reassigned' : 'assigned'} to ${label}`,
    payload: { assigned_account_id: item.assigned_account_id, assigned_role: item.assigned_role, reassigned },
  });
}

export function approvalNotice(item: WorkflowItem, eventId: string): NotificationDraft {
  return notice(item, {
    category: 'approval',
    dedupe_key: `approval:${item.workflow_id}:${eventId}`,
    message: `Workflow ${item.workflow_id} recorded ${item.current_decision}`,
    payload: { event_id: eventId, decision: item.current_decision, reason: item.current_reason },
  });
}

export function escalationNotice(
  item: WorkflowItem,
  source: 'manual_escalation' | 'automatic_sla_escalation',
): NotificationDraft {
  const label = labelOf(item);
  return notice(item, {
    category: 'escalation',
    dedupe_key: `escalation:${item.workflow_id}:${item.escalation_count}`,
    message: `Workflow ${item.workflow_id} escalated to ${label}`,
    payload: { escalation_count: item.escalation_count, source },
  });
}

/**
 * SPEC §8: the requester hears that its request needs changes (through its webhook, as an agent),
 * so the recipient is the item's requester, not its assignee.
 */
export function changesRequestedNotice(item: WorkflowItem, actionId: string, reason: string): NotificationDraft {
  return {
    workflow_id: item.workflow_id,
    recipient_account_id: item.requested_by,
    recipient_role: null,
    category: 'changes_requested',
    dedupe_key: `changes_requested:${item.workflow_id}:${actionId}`,
    message: `Workflow ${item.workflow_id} needs changes: ${reason}`,
    payload: { action_id: actionId, reason, requested_by: item.requested_by },
  };
}

export function failureNotice(
  item: WorkflowItem,
  action: string,
  id: string,
  details: Record<string, unknown>,
): NotificationDraft {
  return notice(item, {
    category: 'failure',
    dedupe_key: `failure:${item.workflow_id}:${action}:${id}`,
    message: `Workflow ${item.workflow_id} failed to record ${action}`,
    payload: details,
  });
}
