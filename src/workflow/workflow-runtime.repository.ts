import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import type { EventRow } from '../ingestion/event-log.repository';
import { toStoredEvent } from '../ingestion/event-log.repository';
import type { StoredEvent } from '../ingestion/stored-event';

export const WORKFLOW_EVENT_TYPES = ['ExceptionRequested', 'ApprovalRecorded', 'WorkflowReviewRequested'] as const;

/**
 * The CTE `runtime_cursor`, which raises the tenant's cursor to `logSeq` (never lowers it): for the
 * statement that writes the changes an append's workflow events made (WorkflowItemRepository.saveChanges).
 */
export function runtimeAdvanceCte(tenantId: string, logSeq: number, now: Date): Prisma.Sql {
  return Prisma.sql`runtime_cursor AS (
    INSERT INTO dg_workflow_runtime (tenant_id, last_applied_log_seq, updated_at)
    VALUES (${tenantId}, ${BigInt(logSeq)}, ${now})
    ON CONFLICT (tenant_id) DO UPDATE SET
      last_applied_log_seq = GREATEST(dg_workflow_runtime.last_applied_log_seq, EXCLUDED.last_applied_log_seq),
      updated_at = EXCLUDED.updated_at
    RETURNING 1
  )`;
}

/** dg_workflow_runtime: per tenant, the highest log_seq the workflow layer applied (SPEC §6.2). */
@Injectable()
export class WorkflowRuntimeRepository {
  /** Workflow-relevant events above each tenant's cursor, oldest first (start-up catch-up). */
  async pendingEvents(db: Db, afterLogSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await db.$queryRaw<EventRow[]>`
      SELECT e.* FROM dg_event_log e
      LEFT JOIN dg_workflow_runtime r ON r.tenant_id = e.tenant_id
      WHERE e.event_type IN ('ExceptionRequested', 'ApprovalRecorded', 'WorkflowReviewRequested')
        AND e.log_seq > COALESCE(r.last_applied_log_seq, 0)
        AND e.log_seq > ${BigInt(afterLogSeq)}
      ORDER BY e.log_seq
      LIMIT ${limit}`;
    return rows.map(toStoredEvent);
  }
}
