import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { NotificationDraft } from '../notifications/notification';
import { ActionDraft, chainAction, WorkflowActionRecord } from './workflow-action';
import { noChanges, type WorkflowChanges } from './workflow-changes';
import type { WorkflowItem } from './workflow-item';
import { WorkflowItemRepository } from './workflow-item.repository';

/**
 * One change of an item: the next version, the action row chained onto the item's action hash
 * chain, and its notifications (deduplicated). Every writer of items goes through here, and
 * writes in one statement.
 */
@Injectable()
export class WorkflowRecorderService {
  constructor(private readonly items: WorkflowItemRepository) {}

  /** Writes one change now. */
  async record(tx: Db, item: WorkflowItem, draft: ActionDraft, notices: NotificationDraft[]): Promise<WorkflowActionRecord> {
    const changes = noChanges();
    const action = this.stage(changes, item, draft, notices);
    await this.items.saveChanges(tx, item.tenant_id, changes, draft.created_at);
    return action;
  }

  /** Adds one change to `changes`, written later with the rest (WorkflowItemRepository.saveChanges). */
  stage(changes: WorkflowChanges, item: WorkflowItem, draft: ActionDraft, notices: NotificationDraft[]): WorkflowActionRecord {
    item.version += 1;
    item.updated_at = draft.created_at;
    const action = chainAction(item, draft);
    changes.items.set(item.workflow_id, item);
    changes.actions.push(action);
    changes.notices.push(...notices);
    return action;
  }
}
