import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import { OPEN_STATUSES } from '../workflow/workflow-status';

export type TenantInboxCounts = { tenantId: string; open: number; overdue: number };

const OPEN = Prisma.join([...OPEN_STATUSES]);

/**
 * Open and overdue inbox items per tenant, across tenants on purpose: it feeds the operator's
 * metrics, never an API answer. One statement on the (status, sla_due_at) index, so its cost
 * follows the open items, not the table.
 */
@Injectable()
export class InboxCountsRepository {
  async busiestTenants(db: Db, now: Date, limit: number): Promise<TenantInboxCounts[]> {
    const rows = await db.$queryRaw<{ tenant_id: string; open: bigint; overdue: bigint }[]>`
      SELECT tenant_id, count(*) AS open, count(*) FILTER (WHERE sla_due_at < ${now}) AS overdue
      FROM dg_workflow_items WHERE status IN (${OPEN})
      GROUP BY tenant_id ORDER BY open DESC, tenant_id LIMIT ${limit}`;
    return rows.map((r) => ({ tenantId: r.tenant_id, open: Number(r.open), overdue: Number(r.overdue) }));
  }
}
