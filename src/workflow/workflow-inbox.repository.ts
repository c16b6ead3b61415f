import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import type { WorkflowItem } from './workflow-item';
import { toItem } from './workflow-item.repository';
import { OPEN_STATUSES } from './workflow-status';

export type InboxFilter = {
  status?: string;
  priority?: string;
  workflowKind?: string;
  assignedAccountId?: string;
  assignedRole?: string;
  traceId?: string;
  onlyOpen: boolean;
  onlyOverdue: boolean;
};

/** Position in the inbox order: overdue-open first (0), then priority rank, requested_at, workflow_id. */
export type InboxPosition = { o: number; p: number; r: number; w: string };

export type InboxSummary = Record<
  | 'total_count'
  | 'open_count'
  | 'overdue_count'
  | 'requested_count'
  | 'in_review_count'
  | 'changes_requested_count'
  | 'escalated_count'
  | 'approved_count'
  | 'rejected_count'
  | 'overridden_count',
  number
>;

const OPEN = Prisma.join([...OPEN_STATUSES]);

/** The reviewer inbox (SPEC §6.4): keyset pagination over the inbox order, tenant-wide summary. */
@Injectable()
export class WorkflowInboxRepository {
  async page(db: Db, tenantId: string, filter: InboxFilter, now: Date, after: InboxPosition | undefined, limit: number): Promise<(WorkflowItem & { position: InboxPosition })[]> {
    const overdueRank = Prisma.sql`(CASE WHEN status IN (${OPEN}) AND sla_due_at < ${now} THEN 0 ELSE 1 END)`;
    const conditions = [Prisma.sql`tenant_id = ${tenantId}`, ...filterConditions(filter, now)];
    if (after) {
      conditions.push(Prisma.sql`(${overdueRank}, priority_rank, requested_at, workflow_id) > (${after.o}, ${after.p}, ${new Date(after.r)}, ${after.w})`);
    }
    const rows = await db.$queryRaw<(Parameters<typeof toItem>[0] & { overdue_rank: number })[]>`
      SELECT *, ${overdueRank} AS overdue_rank FROM dg_workflow_items
      WHERE ${Prisma.join(conditions, ' AND ')}
      ORDER BY overdue_rank, priority_rank, requested_at, workflow_id
      LIMIT ${limit}`;
    return rows.map((row) => ({
      ...toItem(row),
      position: { o: row.overdue_rank, p: row.priority_rank, r: row.requested_at.getTime(), w: row.workflow_id },
    }));
  }

  async summary(db: Db, tenantId: string, now: Date): Promise<InboxSummary> {
    const [row] = await db.$queryRaw<Record<keyof InboxSummary, bigint>[]>`
      SELECT count(*) AS total_count,
        count(*) FILTER (WHERE status IN (${OPEN})) AS open_count,
        count(*) FILTER (WHERE status IN (${OPEN}) AND sla_due_at < ${now}) AS overdue_count,
        count(*) FILTER (WHERE status = 'requested') AS requested_count,
        count(*) FILTER (WHERE status = 'in_review') AS in_review_count,
        count(*) FILTER (WHERE status = 'changes_requested') AS changes_requested_count,
        count(*) FILTER (WHERE status = 'escalated') AS escalated_count,
        count(*) FILTER (WHERE status = 'approved') AS approved_count,
        count(*) FILTER (WHERE status = 'rejected') AS rejected_count,
        count(*) FILTER (WHERE status = 'overridden') AS overridden_count
      FROM dg_workflow_items WHERE tenant_id = ${tenantId}`;
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as InboxSummary;
  }
}

function filterConditions(f: InboxFilter, now: Date): Prisma.Sql[] {
  const c: Prisma.Sql[] = [];
  if (f.status) c.push(Prisma.sql`status = ${f.status}`);
  if (f.priority) c.push(Prisma.sql`priority = ${f.priority}`);
  if (f.workflowKind) c.push(Prisma.sql`workflow_kind = ${f.workflowKind}`);
  if (f.assignedAccountId) c.push(Prisma.sql`assigned_account_id = ${f.assignedAccountId}`);
  if (f.assignedRole) c.push(Prisma.sql`assigned_role = ${f.assignedRole}`);
  if (f.traceId) c.push(Prisma.sql`trace_id = ${f.traceId}`);
  if (f.onlyOpen || f.onlyOverdue) c.push(Prisma.sql`status IN (${OPEN})`);
  if (f.onlyOverdue) c.push(Prisma.sql`sla_due_at < ${now}`);
  return c;
}
