import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { OPEN_STATUSES_SQL as OPEN } from './workflow-inbox.repository';

export type TenantInboxCounts = { tenantId: string; open: number; overdue: number };

/**
 * Open and overdue inbox items per tenant, across tenants on purpose: it feeds the operator's
 * metrics, never an API answer. Open items are sums over the counters the inbox summary reads
 * (dg_workflow_counts), overdue items an index-only count per listed tenant over the partial
 * (tenant_id, sla_due_at) index of the open items: the cost follows the tenants and their overdue
 * items, not the open ones.
 */
@Injectable()
export class InboxCountsRepository {
  async busiestTenants(db: Db, now: Date, limit: number): Promise<TenantInboxCounts[]> {
    const rows = await db.$queryRaw<{ tenant_id: string; open: bigint; overdue: bigint }[]>`
      SELECT c.tenant_id, c.open,
        (SELECT count(*) FROM dg_workflow_items i WHERE i.tenant_id = c.tenant_id AND i.status IN ${OPEN} AND i.sla_due_at < ${now}) AS overdue
      FROM (
        SELECT tenant_id, sum(requested + in_review + changes_requested + escalated) AS open
        FROM dg_workflow_counts GROUP BY tenant_id HAVING sum(requested + in_review + changes_requested + escalated) > 0
        ORDER BY open DESC, tenant_id LIMIT ${limit}
      ) AS c
      ORDER BY c.open DESC, c.tenant_id`;
    return rows.map((r) => ({ tenantId: r.tenant_id, open: Number(r.open), overdue: Number(r.overdue) }));
  }
}
