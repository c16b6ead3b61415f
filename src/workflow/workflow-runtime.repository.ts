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
  /**
   * Workflow-relevant events above each tenant's cursor and above `afterLogSeq`, oldest first
   * (start-up catch-up). O(tenants + pending), not O(log): the tenants are enumerated by a skip
   * scan of the (tenant_id, log_seq) index, and each one's pending events of each workflow type
   * are read from the (tenant_id, event_type, log_seq) index from its cursor on, at most `limit`
   * of them: the tenant's other events are never visited.
   */
  async pendingEvents(db: Db, afterLogSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await db.$queryRaw<EventRow[]>`
      WITH RECURSIVE tenants AS (
        (SELECT tenant_id FROM dg_event_log ORDER BY tenant_id LIMIT 1)
        UNION ALL
        SELECT (SELECT e.tenant_id FROM dg_event_log e WHERE e.tenant_id > t.tenant_id ORDER BY e.tenant_id LIMIT 1)
        FROM tenants t WHERE t.tenant_id IS NOT NULL
      )
      SELECT p.* FROM tenants t
      CROSS JOIN LATERAL (
        SELECT GREATEST(${BigInt(afterLogSeq)}, COALESCE(max(r.last_applied_log_seq), 0)) AS cursor
        FROM dg_workflow_runtime r WHERE r.tenant_id = t.tenant_id
      ) AS c
      CROSS JOIN unnest(ARRAY['ExceptionRequested', 'ApprovalRecorded', 'WorkflowReviewRequested']) AS w(event_type)
      CROSS JOIN LATERAL (
        SELECT e.* FROM dg_event_log e
        WHERE e.tenant_id = t.tenant_id AND e.event_type = w.event_type AND e.log_seq > c.cursor
        ORDER BY e.log_seq
        LIMIT ${limit}
      ) AS p
      WHERE t.tenant_id IS NOT NULL
      ORDER BY p.log_seq
      LIMIT ${limit}`;
    return rows.map(toStoredEvent);
  }
}
