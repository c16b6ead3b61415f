import { Injectable } from '@nestjs/common';
import { queryRows, type SqlDb } from '../database/driver-tx';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import type { TraceState } from './stored-event';

export type PrecedentFilter = {
  entityType?: string;
  entityId?: string;
  policyId?: string;
  policyVersion?: string;
  outcome?: string;
  excludeTraceId?: string;
};

export type Precedent = {
  trace_id: string;
  workflow: string | null;
  title: string | null;
  outcome: string;
  policy_id: string | null;
  policy_version: string | null;
  finished_at: string;
};

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
    const row = await db.traceSummary.findUnique({
      where: { tenant_id_trace_id: { tenant_id: tenantId, trace_id: traceId } },
    });
    return row ? toTraceState(row) : undefined;
  }

  /**
   * Finished traces by policy or entity, newest first (finish time, then the most recently
   * recorded), one row per trace: its exception's, else its latest policy evaluation's, else its
   * own (no policy), among the rows the filters leave.
   */
  async findPrecedents(db: Db, tenantId: string, f: PrecedentFilter, limit: number): Promise<Precedent[]> {
    // Trace-level filters are the same on every row of a trace: they are tested on its
    // TraceFinished row; policy filters pick among the trace's rows.
    const traceConditions = [Prisma.sql`f.tenant_id = ${tenantId}`, Prisma.sql`f.event_type = 'TraceFinished'`];
    if (f.entityType) traceConditions.push(Prisma.sql`f.entity_type = ${f.entityType}`);
    if (f.entityId) traceConditions.push(Prisma.sql`f.entity_id = ${f.entityId}`);
    if (f.outcome) traceConditions.push(Prisma.sql`f.outcome = ${f.outcome}`);
    if (f.excludeTraceId) traceConditions.push(Prisma.sql`f.trace_id <> ${f.excludeTraceId}`);
    const rowConditions = [Prisma.sql`p.tenant_id = f.tenant_id`, Prisma.sql`p.trace_id = f.trace_id`];
    if (f.policyId) rowConditions.push(Prisma.sql`p.policy_id = ${f.policyId}`);
    if (f.policyVersion) rowConditions.push(Prisma.sql`p.policy_version = ${f.policyVersion}`);
    // Finished traces newest first along the (tenant_id, finished_at) index, each with its best
    // row (one primary-key probe), until `limit` traces: the cost follows the page, not the tenant
    // (a DISTINCT ON over all of the tenant's rows did).
    const rows = await db.$queryRaw<(Omit<Precedent, 'finished_at'> & { finished_at: Date })[]>`
      SELECT b.trace_id, b.workflow, b.title, b.outcome, b.policy_id, b.policy_version, b.finished_at
      FROM dg_precedents f
      CROSS JOIN LATERAL (
        SELECT p.trace_id, p.workflow, p.title, p.outcome, p.policy_id, p.policy_version, p.finished_at
        FROM dg_precedents p
        WHERE ${Prisma.join(rowConditions, ' AND ')}
        ORDER BY (p.event_type = 'ExceptionRequested') DESC, (p.policy_id IS NOT NULL) DESC, p.log_seq DESC
        LIMIT 1
      ) AS b
      WHERE ${Prisma.join(traceConditions, ' AND ')}
      ORDER BY f.finished_at DESC, f.finished_log_seq DESC
      LIMIT ${limit}`;
    return rows.map((r) => ({ ...r, finished_at: r.finished_at.toISOString() }));
  }

  /**
   * Indexes traces that have just finished (SPEC §5.7): a row for the TraceFinished (no policy) and
   * one per policy evaluation and exception; the summary's last_log_seq is the TraceFinished's, the
   * append having just written it. Each trace is probed through its keys (LATERAL subqueries the
   * planner keeps apart: LIMIT 1, OFFSET 0), so that the driver's generic plan cannot read all of
   * the tenant's summaries.
   */
  async indexPrecedents(db: SqlDb, tenantId: string, traceIds: string[]): Promise<void> {
    await queryRows(
      db,
      'dg_index_precedents',
      Prisma.sql`
      INSERT INTO dg_precedents (tenant_id, trace_id, event_id, event_type, workflow, title, entity_type, entity_id,
        policy_id, policy_version, outcome, finished_at, log_seq, finished_log_seq)
      SELECT e.tenant_id, e.trace_id, e.event_id, e.event_type, s.workflow, s.title, s.primary_entity_type,
        s.primary_entity_id, e.payload->'policy'->>'policy_id', e.payload->'policy'->>'policy_version', s.outcome, s.finished_at,
        e.log_seq, s.last_log_seq
      FROM json_array_elements_text(${JSON.stringify(traceIds)}::json) AS t(id)
      CROSS JOIN LATERAL (
        SELECT * FROM dg_trace_summaries x WHERE x.tenant_id = ${tenantId} AND x.trace_id = t.id LIMIT 1
      ) AS s
      CROSS JOIN LATERAL (
        SELECT * FROM dg_event_log x
        WHERE x.tenant_id = ${tenantId} AND x.trace_id = t.id AND x.event_type IN ('PolicyEvaluated', 'ExceptionRequested', 'TraceFinished')
        OFFSET 0
      ) AS e
      WHERE s.finished_at IS NOT NULL
      ON CONFLICT DO NOTHING`,
    );
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
