import { Injectable } from '@nestjs/common';
import type { PrismaService } from '../database/prisma.service';
import { OPEN_COUNT_SQL, OPEN_STATUSES_SQL as OPEN } from './workflow-inbox.repository';

/** A tenant's overdue gauge counts at most this many items: enough to page someone. */
export const OVERDUE_CAP = 10_000;
/** A scrape's database read gives up after this long (the gauges are then left out). */
const SCRAPE_READ_TIMEOUT_MS = 2_000;

export type TenantInboxCounts = { tenantId: string; open: number; overdue: number };

/**
 * Open and overdue inbox items per tenant, across tenants on purpose: it feeds the operator's
 * metrics, never an API answer. Open items are sums over the counters the inbox summary reads
 * (dg_workflow_counts), overdue items an index-only count per listed tenant over the partial
 * (tenant_id, sla_due_at) index of the open items: the cost follows the tenants and their overdue
 * items, not the open ones; each tenant's overdue count stops at OVERDUE_CAP, and the read runs
 * under a statement timeout of its own (SCRAPE_READ_TIMEOUT_MS), so a scrape's cost is bounded.
 */
@Injectable()
export class InboxCountsRepository {
  async busiestTenants(prisma: PrismaService, now: Date, limit: number): Promise<TenantInboxCounts[]> {
    const [, rows] = await prisma.$transaction([
      prisma.$queryRaw`SELECT set_config('statement_timeout', ${String(SCRAPE_READ_TIMEOUT_MS)}, true)`,
      prisma.$queryRaw<{ tenant_id: string; open: bigint; overdue: bigint }[]>`
      SELECT c.tenant_id, c.open,
        (SELECT count(*) FROM (
          SELECT 1 FROM dg_workflow_items i WHERE i.tenant_id = c.tenant_id AND i.status IN ${OPEN} AND i.sla_due_at < ${now}
          LIMIT ${OVERDUE_CAP}
        ) AS o) AS overdue
      FROM (
        SELECT tenant_id, sum(${OPEN_COUNT_SQL}) AS open
        FROM dg_workflow_counts GROUP BY tenant_id HAVING sum(${OPEN_COUNT_SQL}) > 0
        ORDER BY open DESC, tenant_id LIMIT ${limit}
      ) AS c
      ORDER BY c.open DESC, c.tenant_id`,
    ]);
    return rows.map((r) => ({ tenantId: r.tenant_id, open: Number(r.open), overdue: Number(r.overdue) }));
  }
}
