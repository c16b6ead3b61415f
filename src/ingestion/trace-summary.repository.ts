import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { TraceState } from './stored-event';

type SummaryRow = Omit<TraceState, 'started_at' | 'finished_at' | 'last_log_seq'> & {
  tenant_id: string;
  started_at: Date | null;
  finished_at: Date | null;
  last_log_seq: bigint;
};

/** Trace summary reads and the precedent index (read models written in the append transaction). */
@Injectable()
export class TraceSummaryRepository {
  async findOne(db: Db, tenantId: string, traceId: string): Promise<TraceState | undefined> {
    const row = await db.traceSummary.findUnique({ where: { tenant_id_trace_id: { tenant_id: tenantId, trace_id: traceId } } });
    return row ? toTraceState(row) : undefined;
  }

  /** Indexes the policy evaluations and exceptions of traces that have just finished (SPEC §5.7). */
  async indexPrecedents(db: Db, tenantId: string, traceIds: string[]): Promise<void> {
    await db.$executeRaw`
      INSERT INTO dg_precedents (tenant_id, trace_id, event_id, event_type, workflow, title, entity_type, entity_id,
        policy_id, policy_version, outcome, finished_at)
      SELECT e.tenant_id, e.trace_id, e.event_id, e.event_type, s.workflow, s.title, s.primary_entity_type,
        s.primary_entity_id, e.payload->'policy'->>'policy_id', e.payload->'policy'->>'policy_version', s.outcome, s.finished_at
      FROM dg_event_log e
      JOIN dg_trace_summaries s ON s.tenant_id = e.tenant_id AND s.trace_id = e.trace_id
      WHERE e.tenant_id = ${tenantId}
        AND e.trace_id IN (SELECT json_array_elements_text(${JSON.stringify(traceIds)}::json))
        AND e.event_type IN ('PolicyEvaluated', 'ExceptionRequested')
        AND s.finished_at IS NOT NULL
      ON CONFLICT DO NOTHING`;
  }
}

function toTraceState({ tenant_id: _tenant, ...row }: SummaryRow): TraceState {
  return {
    ...row,
    started_at: row.started_at?.toISOString() ?? null,
    finished_at: row.finished_at?.toISOString() ?? null,
    last_log_seq: Number(row.last_log_seq),
  };
}
