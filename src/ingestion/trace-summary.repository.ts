import { Injectable } from '@nestjs/common';
import { queryRows, type SqlDb } from '../database/driver-tx';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import { precedentCandidate, type PrecedentRow, precedentRow } from './precedent-rows';
import type { StoredEvent, TraceState } from './stored-event';

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
   * Indexing traces that have just finished (SPEC §5.7), in two statements (each one step of the
   * append, the last of which carries its COMMIT): the traces' indexable events, each trace probed
   * through its keys (a LATERAL subquery the planner keeps apart with OFFSET 0, so that the
   * driver's generic plan cannot read all of the tenant's log) ...
   */
  async precedentEvents(db: SqlDb, tenantId: string, traceIds: string[]): Promise<PrecedentEvent[]> {
    const rows = await queryRows<Omit<PrecedentEvent, 'log_seq'> & { log_seq: bigint | string }>(
      db,
      'dg_precedent_events',
      Prisma.sql`
      SELECT e.trace_id, e.event_id, e.event_type, e.log_seq, jsonb_build_object('policy', e.payload->'policy') AS payload
      FROM json_array_elements_text(${JSON.stringify(traceIds)}::json) AS t(id)
      CROSS JOIN LATERAL (
        SELECT * FROM dg_event_log x
        WHERE x.tenant_id = ${tenantId} AND x.trace_id = t.id AND x.event_type IN ('PolicyEvaluated', 'ExceptionRequested', 'TraceFinished')
        OFFSET 0
      ) AS e`,
    );
    return rows.map((r) => ({ ...r, log_seq: Number(r.log_seq) }));
  }

  /** ... then the rows precedentRow() — the function a replay's fold uses — makes of them. */
  async insertPrecedents(db: SqlDb, tenantId: string, rows: PrecedentRow['row'][]): Promise<void> {
    await queryRows(
      db,
      'dg_index_precedents',
      insertPrecedentsSql(tenantId, Prisma.sql`${JSON.stringify(rows)}::jsonb`),
    );
  }
}

/** The fields of an event precedentCandidate() reads, with its trace. */
export type PrecedentEvent = Pick<StoredEvent, 'trace_id' | 'event_id' | 'event_type' | 'log_seq' | 'payload'>;

/** The precedent rows of finished traces (their summaries as the append wrote them) and their events. */
export function precedentRowsOf(summaries: TraceState[], events: PrecedentEvent[]): PrecedentRow['row'][] {
  const byTrace = new Map(summaries.map((s) => [s.trace_id, s]));
  return events.flatMap((e) => {
    const summary = byTrace.get(e.trace_id);
    return summary?.finished_at ? [precedentRow(summary, precedentCandidate(e)).row] : [];
  });
}

/**
 * Inserts precedent rows as precedentRow() builds them (`rows` a jsonb array expression); rows
 * already there are kept, or with `exact` replaced.
 */
export function insertPrecedentsSql(tenantId: string, rows: Prisma.Sql, exact = false): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO dg_precedents (tenant_id, trace_id, event_id, event_type, workflow, title, entity_type, entity_id,
      policy_id, policy_version, outcome, finished_at, log_seq, finished_log_seq)
    SELECT ${tenantId}, r.trace_id, r.event_id, r.event_type, r.workflow, r.title, r.entity_type, r.entity_id,
      r.policy_id, r.policy_version, r.outcome, r.finished_at, r.log_seq, r.finished_log_seq
    FROM jsonb_to_recordset(${rows}) AS r(trace_id text, event_id text, event_type text, workflow text,
      title text, entity_type text, entity_id text, policy_id text, policy_version text, outcome text,
      finished_at timestamptz, log_seq bigint, finished_log_seq bigint)
    ON CONFLICT (tenant_id, trace_id, event_id) DO ${
      exact
        ? Prisma.sql`UPDATE SET event_type = EXCLUDED.event_type, workflow = EXCLUDED.workflow, title = EXCLUDED.title,
        entity_type = EXCLUDED.entity_type, entity_id = EXCLUDED.entity_id, policy_id = EXCLUDED.policy_id,
        policy_version = EXCLUDED.policy_version, outcome = EXCLUDED.outcome, finished_at = EXCLUDED.finished_at,
        log_seq = EXCLUDED.log_seq, finished_log_seq = EXCLUDED.finished_log_seq`
        : Prisma.sql`NOTHING`
    }`;
}

function toTraceState({ tenant_id: _tenant, ...row }: SummaryRow): TraceState {
  return {
    ...row,
    started_at: row.started_at?.toISOString() ?? null,
    finished_at: row.finished_at?.toISOString() ?? null,
    last_log_seq: Number(row.last_log_seq),
  };
}
