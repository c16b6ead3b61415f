import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import type { WorkflowItem } from './workflow-item';
import { PRIORITY_RANK, type Priority, type WorkflowStatus } from './workflow-status';

type ItemRow = Omit<WorkflowItem, 'status' | 'requested_by_actor' | 'metadata' | 'last_source_log_seq'> & {
  status: string;
  priority_rank: number;
  requested_by_actor: unknown;
  metadata: unknown;
  last_source_log_seq: bigint;
};

/** dg_workflow_items. Every method takes the tenant first; ids of other tenants are never seen. */
@Injectable()
export class WorkflowItemRepository {
  async find(db: Db, tenantId: string, workflowId: string): Promise<WorkflowItem | undefined> {
    const row = await db.workflowItem.findUnique({ where: { tenant_id_workflow_id: { tenant_id: tenantId, workflow_id: workflowId } } });
    return row ? toItem(row) : undefined;
  }

  /** Locks the item row for the rest of the transaction (take the trace lock first: lock order). */
  async findForUpdate(db: Db, tenantId: string, workflowId: string): Promise<WorkflowItem | undefined> {
    const rows = await db.$queryRaw<ItemRow[]>`
      SELECT * FROM dg_workflow_items WHERE tenant_id = ${tenantId} AND workflow_id = ${workflowId} FOR UPDATE`;
    return rows[0] ? toItem(rows[0]) : undefined;
  }

  async findByTrace(db: Db, tenantId: string, traceId: string): Promise<WorkflowItem[]> {
    const rows = await db.workflowItem.findMany({ where: { tenant_id: tenantId, trace_id: traceId }, orderBy: { requested_at: 'asc' } });
    return rows.map(toItem);
  }

  /**
   * Items the SLA sweep must look at (SPEC §7): past due and escalatable (see evaluateSla), or due inside the
   * warning window and not yet warned for this due date. Both branches ride the (status,
   * sla_due_at) index, so the cost follows the due items, not the open ones.
   */
  async findDueForSweep(db: Db, tenantId: string, now: Date, windowEnd: Date, limit: number): Promise<{ workflow_id: string; trace_id: string }[]> {
    return db.$queryRaw`
      SELECT workflow_id, trace_id FROM dg_workflow_items
      WHERE tenant_id = ${tenantId} AND ${dueForSweep(now, windowEnd)}
      ORDER BY sla_due_at
      LIMIT ${limit}`;
  }

  async tenantsWithDueItems(db: Db, now: Date, windowEnd: Date): Promise<string[]> {
    const rows = await db.$queryRaw<{ tenant_id: string }[]>`
      SELECT DISTINCT tenant_id FROM dg_workflow_items WHERE ${dueForSweep(now, windowEnd)}`;
    return rows.map((r) => r.tenant_id);
  }

  /** One sweep per tenant at a time across replicas; released when the transaction ends. */
  async tryLockTenantSweep(db: Db, tenantId: string): Promise<boolean> {
    const [row] = await db.$queryRaw<{ locked: boolean }[]>`
      SELECT pg_try_advisory_xact_lock(hashtextextended(${`sla-sweep:${tenantId}`}, 0)) AS locked`;
    return row.locked;
  }

  async save(db: Db, item: WorkflowItem): Promise<void> {
    const data = toRow(item);
    await db.workflowItem.upsert({
      where: { tenant_id_workflow_id: { tenant_id: item.tenant_id, workflow_id: item.workflow_id } },
      create: data,
      update: data,
    });
  }
}

function dueForSweep(now: Date, windowEnd: Date): Prisma.Sql {
  return Prisma.sql`(((status = 'changes_requested' OR (status IN ('requested', 'in_review') AND escalation_count = 0)) AND sla_due_at < ${now})
    OR (status IN ('requested', 'in_review', 'changes_requested', 'escalated') AND sla_due_at > ${now}
        AND sla_due_at <= ${windowEnd} AND deadline_risk_notified_for IS DISTINCT FROM sla_due_at))`;
}

function toRow(item: WorkflowItem): Prisma.WorkflowItemUncheckedCreateInput {
  return {
    ...item,
    priority_rank: PRIORITY_RANK[item.priority as Priority] ?? PRIORITY_RANK.normal,
    requested_by_actor: item.requested_by_actor ?? undefined,
    metadata: item.metadata as Prisma.InputJsonObject,
    last_source_log_seq: BigInt(item.last_source_log_seq),
  };
}

export function toItem({ priority_rank: _rank, ...row }: ItemRow): WorkflowItem {
  return {
    ...row,
    status: row.status as WorkflowStatus,
    requested_by_actor: (row.requested_by_actor ?? null) as WorkflowItem['requested_by_actor'],
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
    last_source_log_seq: Number(row.last_source_log_seq),
  };
}
