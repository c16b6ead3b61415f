import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { sqlTextList } from '../database/sql-literals';
import { Prisma } from '../generated/prisma/client';
import { OPEN_STATUSES } from '../workflow/workflow-status';
import { ESCALATABLE_STATUSES } from './sla-evaluator';

/** As literals: the (status, sla_due_at) partial index must be provable from the plan. */
const OPEN = sqlTextList(OPEN_STATUSES);
/** Escalated when overdue whatever their escalation count (a claimed item only the first time: evaluateSla). */
const QUEUED = sqlTextList(ESCALATABLE_STATUSES.filter((s) => s !== 'in_review'));

/**
 * The SLA sweep's reads of dg_workflow_items (SPEC §7, §14) and its per-tenant lock. Beside the
 * evaluator (sla-evaluator.ts), whose rules the due predicate repeats in SQL.
 */
@Injectable()
export class SlaDueRepository {
  /**
   * Items the SLA sweep must look at (SPEC §7): past due and escalatable (see evaluateSla), or due inside the
   * warning window and not yet warned for this due date. Both branches ride the (status,
   * sla_due_at) index, so the cost follows the due items, not the open ones.
   */
  async findDueForSweep(
    db: Db,
    tenantId: string,
    now: Date,
    windowEnd: Date,
    limit: number,
  ): Promise<{ workflow_id: string; trace_id: string }[]> {
    // Two index scans, each with its own LIMIT: one OR over both made the planner fall back to a
    // sequential scan once most items were under a policy (bench/README.md, "SLA sweep").
    return db.$queryRaw`
      SELECT workflow_id, trace_id FROM (
        (SELECT workflow_id, trace_id, sla_due_at AS at FROM dg_workflow_items
         WHERE tenant_id = ${tenantId} AND ${dueByDefaults(now, windowEnd)}
         ORDER BY sla_due_at LIMIT ${limit})
        UNION ALL
        (SELECT workflow_id, trace_id, sla_next_check_at AS at FROM dg_workflow_items
         WHERE tenant_id = ${tenantId} AND sla_next_check_at <= ${now}
         ORDER BY sla_next_check_at LIMIT ${limit})
      ) AS due ORDER BY at LIMIT ${limit}`;
  }

  async tenantsWithDueItems(db: Db, now: Date, windowEnd: Date): Promise<string[]> {
    const rows = await db.$queryRaw<{ tenant_id: string }[]>`
      SELECT tenant_id FROM dg_workflow_items WHERE ${dueByDefaults(now, windowEnd)}
      UNION
      SELECT tenant_id FROM dg_workflow_items WHERE sla_next_check_at <= ${now}`;
    return rows.map((r) => r.tenant_id);
  }

  /** One sweep per tenant at a time across replicas; released when the transaction ends. */
  async tryLockTenantSweep(db: Db, tenantId: string): Promise<boolean> {
    const [row] = await db.$queryRaw<{ locked: boolean }[]>`
      SELECT pg_try_advisory_xact_lock(hashtextextended(${`sla-sweep:${tenantId}`}, 0)) AS locked`;
    return row.locked;
  }
}

/**
 * Items under the deployment defaults (SPEC §7), by status and due time through the (status,
 * sla_due_at) index. Items under a tenant policy (SPEC §14) are found instead by the one time their
 * policy needs them next, through the sla_next_check_at index; either way the cost follows the
 * due items.
 */
function dueByDefaults(now: Date, windowEnd: Date): Prisma.Sql {
  return Prisma.sql`workflow_policy_id IS NULL AND (((status IN ${QUEUED} OR (status = 'in_review' AND escalation_count = 0)) AND sla_due_at < ${now})
    OR (status IN ${OPEN} AND sla_due_at > ${now}
        AND sla_due_at <= ${windowEnd} AND deadline_risk_notified_for IS DISTINCT FROM sla_due_at))`;
}
