import { Injectable } from '@nestjs/common';
import type { PrismaService } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import { OPEN_COUNT_SQL, overdueCountSql } from './workflow-inbox.repository';

/** A scrape's database read gives up after this long (the gauges are then left out). */
const SCRAPE_READ_TIMEOUT_MS = 2_000;

export type TenantInboxCounts = { tenantId: string; open: number; overdue: number };

/**
 * Open and overdue inbox items per tenant, across tenants on purpose: it feeds the operator's
 * metrics, never an API answer. Open items are sums over the counters the inbox summary reads
 * (dg_workflow_counts), overdue items counted per listed tenant as the summary counts them
 * (overdueCountSql: per-day counters and today's overdue items), so the cost follows the tenants,
 * their days with open items and today's overdue items, not their open ones; the read runs under a
 * statement timeout of its own (SCRAPE_READ_TIMEOUT_MS), so a scrape's cost is bounded.
 */
@Injectable()
export class InboxCountsRepository {
  async busiestTenants(prisma: PrismaService, now: Date, limit: number): Promise<TenantInboxCounts[]> {
    const [, rows] = await prisma.$transaction([
      prisma.$queryRaw`SELECT set_config('statement_timeout', ${String(SCRAPE_READ_TIMEOUT_MS)}, true)`,
      prisma.$queryRaw<{ tenant_id: string; open: bigint; overdue: bigint }[]>`
      SELECT c.tenant_id, c.open, ${overdueCountSql(Prisma.sql`c.tenant_id`, now)} AS overdue
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
