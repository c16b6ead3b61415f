import { Injectable } from '@nestjs/common';
import type { Db } from './prisma.service';

/**
 * The (tenant, trace) advisory locks, a low-level service every feature may use. An append takes
 * them inside dg_append_prepare() (and a workflow action inside dg_workflow_action_prepare()),
 * keyed the same way; everything else that must not interleave with appends — the SLA sweep, the
 * start-up catch-up — takes them here, before any item row. All of a caller's traces are locked in
 * one statement in the one global order (sorted keys): taking them one by one deadlocked against a
 * batch append. Held until the transaction ends.
 */
@Injectable()
export class TraceLocks {
  async lock(db: Db, tenantId: string, traceIds: string[]): Promise<void> {
    await db.$executeRaw`
      SELECT pg_advisory_xact_lock(k) FROM (
        SELECT DISTINCT hashtextextended(${tenantId} || chr(31) || t, 0) AS k
        FROM json_array_elements_text(${JSON.stringify(traceIds)}::json) AS t
        ORDER BY k
      ) AS keys`;
  }
}
