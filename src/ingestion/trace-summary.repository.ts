import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { TraceState } from './stored-event';

type SummaryRow = Omit<TraceState, 'started_at' | 'finished_at' | 'last_log_seq'> & {
  tenant_id: string;
  started_at: Date | null;
  finished_at: Date | null;
  last_log_seq: bigint;
};

/** Trace summaries and the precedent index: read models written in the append transaction. */
@Injectable()
export class TraceSummaryRepository {
  async findMany(db: Db, tenantId: string, traceIds: string[]): Promise<TraceState[]> {
    const rows = await db.traceSummary.findMany({ where: { tenant_id: tenantId, trace_id: { in: traceIds } } });
    return rows.map(toTraceState);
  }

  async findOne(db: Db, tenantId: string, traceId: string): Promise<TraceState | undefined> {
    const row = await db.traceSummary.findUnique({ where: { tenant_id_trace_id: { tenant_id: tenantId, trace_id: traceId } } });
    return row ? toTraceState(row) : undefined;
  }

  /** Writes the summaries as the planner computed them (under the trace locks). */
  async upsert(db: Db, tenantId: string, traces: TraceState[]): Promise<void> {
    await db.$executeRaw`
      INSERT INTO dg_trace_summaries (tenant_id, trace_id, workflow, title, primary_entity_type, primary_entity_system,
        primary_entity_id, started_at, finished_at, outcome, event_count, last_log_seq, last_trace_seq, last_event_hash)
      SELECT ${tenantId}, trace_id, workflow, title, primary_entity_type, primary_entity_system, primary_entity_id,
        started_at, finished_at, outcome, event_count, last_log_seq, last_trace_seq, last_event_hash
      FROM json_to_recordset(${JSON.stringify(traces)}::json) AS x(trace_id text, workflow text, title text,
        primary_entity_type text, primary_entity_system text, primary_entity_id text, started_at timestamptz,
        finished_at timestamptz, outcome text, event_count int, last_log_seq bigint, last_trace_seq int, last_event_hash text)
      ON CONFLICT (tenant_id, trace_id) DO UPDATE SET
        workflow = EXCLUDED.workflow, title = EXCLUDED.title, primary_entity_type = EXCLUDED.primary_entity_type,
        primary_entity_system = EXCLUDED.primary_entity_system, primary_entity_id = EXCLUDED.primary_entity_id,
        started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, outcome = EXCLUDED.outcome,
        event_count = EXCLUDED.event_count, last_log_seq = EXCLUDED.last_log_seq,
        last_trace_seq = EXCLUDED.last_trace_seq, last_event_hash = EXCLUDED.last_event_hash`;
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
