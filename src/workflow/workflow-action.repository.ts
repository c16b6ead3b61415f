import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import type { ActionActor, WorkflowActionRecord } from './workflow-action';

/**
 * The CTE `new_actions`, which appends actions (chained by chainAction) of one tenant: for the
 * statement that writes an item's change (WorkflowItemRepository.saveChanges).
 */
export function newActionsCte(tenantId: string, actions: WorkflowActionRecord[]): Prisma.Sql {
  return Prisma.sql`new_actions AS (
    INSERT INTO dg_workflow_actions
    SELECT * FROM json_populate_recordset(NULL::dg_workflow_actions, ${JSON.stringify(actions)}::json) WHERE tenant_id = ${tenantId}
    RETURNING 1
  )`;
}

/** dg_workflow_actions: appended, never changed. */
@Injectable()
export class WorkflowActionRepository {
  /** All actions of an item, oldest first. */
  /** The item's actions oldest first; with `page`, those after `afterSeq`, at most `limit`. */
  async listForItem(
    db: Db,
    tenantId: string,
    workflowId: string,
    page?: { afterSeq: number; limit: number },
  ): Promise<WorkflowActionRecord[]> {
    const rows = await db.workflowAction.findMany({
      where: { tenant_id: tenantId, workflow_id: workflowId, ...(page && { seq: { gt: page.afterSeq } }) },
      orderBy: { seq: 'asc' },
      ...(page && { take: page.limit }),
    });
    return rows.map(toActionRecord);
  }
}

export function toActionRecord(
  row: Omit<WorkflowActionRecord, 'actor' | 'payload' | 'created_at'> & {
    actor: unknown;
    payload: unknown;
    created_at: Date;
  },
): WorkflowActionRecord {
  return {
    ...row,
    actor: row.actor as ActionActor,
    payload: row.payload as Record<string, unknown>,
    created_at: row.created_at.toISOString(),
  };
}
