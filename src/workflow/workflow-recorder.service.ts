import { Injectable } from '@nestjs/common';
import type { NotificationDraft } from '../notifications/notification';
import { ActionDraft, chainAction, WorkflowActionRecord } from './workflow-action';
import type { WorkflowChanges } from './workflow-changes';
import type { WorkflowItem } from './workflow-item';

/**
 * One change of an item: the next version, the action row chained onto the item's action hash
 * chain, and its notifications (deduplicated). Every writer of items (import, actions, SLA)
 * stages its changes here and writes them in one statement with WorkflowItemRepository.saveChanges.
 */
@Injectable()
export class WorkflowRecorderService {
  /** Adds one change to `changes`, written later with the rest (WorkflowItemRepository.saveChanges). */
  stage(
    changes: WorkflowChanges,
    item: WorkflowItem,
    draft: ActionDraft,
    notices: NotificationDraft[],
  ): WorkflowActionRecord {
    item.version += 1;
    item.updated_at = draft.created_at;
    const action = chainAction(item, draft);
    changes.items.set(item.workflow_id, item);
    changes.actions.push(action);
    changes.notices.push(...notices);
    return action;
  }
}
