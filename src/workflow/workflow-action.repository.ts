import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { Prisma } from '../generated/prisma/client';
import type { ActionActor, WorkflowActionRecord } from './workflow-action';

/** dg_workflow_actions: appended, never changed. */
@Injectable()
export class WorkflowActionRepository {
  async insert(db: Db, action: WorkflowActionRecord): Promise<void> {
    await db.workflowAction.create({
      data: {
        ...action,
        actor: action.actor as Prisma.InputJsonObject,
        payload: action.payload as Prisma.InputJsonObject,
        created_at: new Date(action.created_at),
      },
    });
  }

  async exists(db: Db, tenantId: string, actionId: string): Promise<boolean> {
    const row = await db.workflowAction.findUnique({ where: { tenant_id_action_id: { tenant_id: tenantId, action_id: actionId } }, select: { seq: true } });
    return row !== null;
  }

  /** All actions of an item, oldest first. */
  async listForItem(db: Db, tenantId: string, workflowId: string): Promise<WorkflowActionRecord[]> {
    const rows = await db.workflowAction.findMany({ where: { tenant_id: tenantId, workflow_id: workflowId }, orderBy: { seq: 'asc' } });
    return rows.map(toActionRecord);
  }
}

export function toActionRecord(row: Omit<WorkflowActionRecord, 'actor' | 'payload' | 'created_at'> & { actor: unknown; payload: unknown; created_at: Date }): WorkflowActionRecord {
  return { ...row, actor: row.actor as ActionActor, payload: row.payload as Record<string, unknown>, created_at: row.created_at.toISOString() };
}
