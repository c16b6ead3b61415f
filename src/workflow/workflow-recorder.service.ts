import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { NotificationDraft } from '../notifications/notification';
import { NotificationRepository } from '../notifications/notification.repository';
import { ActionDraft, chainAction, WorkflowActionRecord } from './workflow-action';
import type { WorkflowItem } from './workflow-item';
import { WorkflowActionRepository } from './workflow-action.repository';
import { WorkflowItemRepository } from './workflow-item.repository';

/**
 * Writes one change of an item: the next version, the action row chained onto the item's action
 * hash chain, and its notifications (deduplicated). Every writer of items goes through here.
 */
@Injectable()
export class WorkflowRecorderService {
  constructor(
    private readonly items: WorkflowItemRepository,
    private readonly actions: WorkflowActionRepository,
    private readonly notifications: NotificationRepository,
  ) {}

  async record(tx: Db, item: WorkflowItem, draft: ActionDraft, notices: NotificationDraft[]): Promise<WorkflowActionRecord> {
    item.version += 1;
    item.updated_at = draft.created_at;
    const action = chainAction(item, draft);
    await this.items.save(tx, item);
    await this.actions.insert(tx, action);
    await this.notifications.insertNew(tx, item.tenant_id, notices, draft.created_at);
    return action;
  }
}
