import { Injectable } from '@nestjs/common';
import type { SqlDb } from '../database/driver-tx';
import type { Db } from '../database/prisma.service';
import type { NotificationDraft } from '../notifications/notification';
import { ActionDraft, chainAction, WorkflowActionRecord } from './workflow-action';
import type { WorkflowChanges } from './workflow-changes';
import type { WorkflowItem } from './workflow-item';
import { WorkflowItemRepository } from './workflow-item.repository';

/**
 * One change of an item: the next version, the action row chained onto the item's action hash
 * chain, and its notifications (deduplicated). Every writer of items (import, actions, SLA)
 * stages its changes here and writes them in one statement with WorkflowItemRepository.saveChanges
 * (`save`, for the writers outside the workflow module: the SLA sweep).
 */
@Injectable()
export class WorkflowRecorderService {
  constructor(private readonly items: WorkflowItemRepository) {}

  /** Locks the item row for the rest of the transaction (take the trace lock first: lock order). */
  findForUpdate(db: Db, tenantId: string, workflowId: string): Promise<WorkflowItem | undefined> {
    return this.items.findForUpdate(db, tenantId, workflowId);
  }

  /** Writes the staged changes in one statement (WorkflowItemRepository.saveChanges). */
  save(db: SqlDb, tenantId: string, changes: WorkflowChanges, now: Date): Promise<void> {
    return this.items.saveChanges(db, tenantId, changes, now);
  }

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
