import type { NotificationDraft } from '../notifications/notification';
import type { WorkflowActionRecord } from './workflow-action';
import type { WorkflowItem } from './workflow-item';

/**
 * What one transaction changes in a tenant's workflow, gathered in memory and written in one
 * statement (WorkflowItemRepository.saveChanges): items in their final state, the actions chained
 * onto them in order, the notifications to write, and the log_seq the workflow layer has applied
 * up to (the import's cursor).
 */
export type WorkflowChanges = {
  items: Map<string, WorkflowItem>;
  actions: WorkflowActionRecord[];
  notices: NotificationDraft[];
  appliedLogSeq?: number;
};

export function noChanges(): WorkflowChanges {
  return { items: new Map(), actions: [], notices: [] };
}
