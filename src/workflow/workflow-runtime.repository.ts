import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import type { EventRow } from '../ingestion/event-log.repository';
import { toStoredEvent } from '../ingestion/event-log.repository';
import type { StoredEvent } from '../ingestion/stored-event';

export const WORKFLOW_EVENT_TYPES = ['ExceptionRequested', 'ApprovalRecorded', 'WorkflowReviewRequested'] as const;

/**
 * The CTEs `runtime_cursor` and `runtime_passed`, which record that the tenant's events up to
 * `logSeq` are applied, for the statement that writes the changes an append's workflow events made
 * (WorkflowItemRepository.saveChanges). The cursor is the tenant's greatest row: a row of its own
 * per append, and the rows below it deleted unless another transaction is deleting them (SKIP
 * LOCKED), because an upsert of one row per tenant held that row's lock until commit and so
 * committed a tenant's workflow appends one at a time (bench/README.md, "Workflow"). A tenant keeps
 * about as many rows as it has appends in flight. Catch-up may write a row an append wrote already.
 */
export function runtimeAdvanceCte(tenantId: string, logSeq: number, now: Date): Prisma.Sql {
  return Prisma.sql`runtime_cursor AS (
    INSERT INTO dg_workflow_runtime (tenant_id, last_applied_log_seq, updated_at)
    VALUES (${tenantId}, ${BigInt(logSeq)}, ${now})
    ON CONFLICT DO NOTHING
    RETURNING 1
  ), runtime_passed AS (
    DELETE FROM dg_workflow_runtime WHERE ctid = ANY (ARRAY(
      SELECT ctid FROM dg_workflow_runtime WHERE tenant_id = ${tenantId} AND last_applied_log_seq < ${BigInt(logSeq)}
      FOR UPDATE SKIP LOCKED))
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
      WHERE e.event_type IN ('ExceptionRequested', 'ApprovalRecorded', 'WorkflowReviewRequested')
        AND e.log_seq > COALESCE((SELECT max(r.last_applied_log_seq) FROM dg_workflow_runtime r WHERE r.tenant_id = e.tenant_id), 0)
        AND e.log_seq > ${BigInt(afterLogSeq)}
      ORDER BY e.log_seq
      LIMIT ${limit}`;
    return rows.map(toStoredEvent);
  }
}
