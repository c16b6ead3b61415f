import { Injectable } from '@nestjs/common';
import { queryRows, type SqlDb } from '../database/driver-tx';
import { Prisma } from '../generated/prisma/client';
import type { EventInput, EventType } from './event-types';
import type { NewEvent, StoredEvent, TraceState } from './stored-event';

/** What an append reads under its trace locks. */
export type AppendSnapshot = { stored: StoredEvent[]; traces: TraceState[] };

type JsonEventRow = Omit<StoredEvent, 'event_type'> & { event_type: string; producer_id: string };
type JsonTraceRow = TraceState & { tenant_id: string };
export type AppendPrepareJson = { events: JsonEventRow[]; traces: JsonTraceRow[] };

/**
 * The two statements of an append (STACK.md's cost model: every Prisma round trip costs about a
 * millisecond here): lock-and-read through dg_append_prepare() (its trace locks are TraceLocks'
 * keys, in TraceLocks' order: src/database/trace-locks.ts), then one statement that inserts
 * the events and writes their traces' summaries. JSON parameters carry a whole batch at once.
 * Both run on Prisma or on the driver, as the same SQL.
 */
@Injectable()
export class AppendRepository {
  async lockAndRead(db: SqlDb, tenantId: string, inputs: EventInput[]): Promise<AppendSnapshot> {
    const traces = JSON.stringify([...new Set(inputs.map((e) => e.trace_id))]);
    const { keys, ids } = replayKeys(inputs);
    const [row] = await queryRows<{ state: AppendPrepareJson }>(
      db,
      'dg_append_prepare',
      Prisma.sql`SELECT dg_append_prepare(${tenantId}, ${traces}::json, ${keys}::json, ${ids}::json) AS state`,
    );
    return appendSnapshotFromJson(row.state);
  }

  /**
   * Inserts the events (a function scan keeps their order, so log_seq follows it) and upserts the
   * summaries the planner computed, each with the log_seq of its trace's last new event.
   */
  async write(db: SqlDb, tenantId: string, events: NewEvent[], traces: TraceState[]): Promise<Map<string, number>> {
    const inserted = await queryRows<{ event_id: string; log_seq: bigint | string }>(
      db,
      'dg_append_write',
      Prisma.sql`WITH ${eventWriteCtes(tenantId, events, traces, false)} SELECT event_id, log_seq FROM ins`,
    );
    return new Map(inserted.map((r) => [r.event_id, Number(r.log_seq)]));
  }
}

/**
 * The append's write as two CTEs, `ins` (the events, returning event_id, trace_id, log_seq) and
 * `summaries`, for a statement that writes more beside them (a workflow action's decision). With
 * `assigned`, the events carry the log_seq they were handed beforehand (dg_workflow_action_prepare);
 * otherwise the column's sequence hands it out. Each value of `assigned` gives one fixed text.
 */
export function eventWriteCtes(
  tenantId: string,
  events: (NewEvent | StoredEvent)[],
  traces: TraceState[],
  assigned: boolean,
): Prisma.Sql {
  const records = JSON.stringify(events.map((e) => ({ ...e, producer_id: e.source.producer_id })));
  const logSeq = Prisma.raw(assigned ? 'log_seq, ' : '');
  const logSeqType = Prisma.raw(assigned ? 'log_seq bigint, ' : '');
  return Prisma.sql`ins AS (
        INSERT INTO dg_event_log (${logSeq}tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer_id,
          source, actor, idempotency_key, correlation_id, causation_event_id, schema_version, tags, payload, payload_hash,
          prev_event_hash, event_hash, recorded_by, hash_version)
        SELECT ${logSeq}tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer_id,
          source, actor, idempotency_key, correlation_id, causation_event_id, schema_version, tags, payload, payload_hash,
          prev_event_hash, event_hash, recorded_by, hash_version
        FROM json_to_recordset(${records}::json) AS x(${logSeqType}tenant_id text, event_id text, trace_id text, trace_seq int,
          event_type text, occurred_at timestamptz, recorded_at timestamptz, producer_id text, source jsonb, actor jsonb,
          idempotency_key text, correlation_id text, causation_event_id text, schema_version int, tags text[], payload jsonb,
          payload_hash text, prev_event_hash text, event_hash text, recorded_by text, hash_version int)
        RETURNING event_id, trace_id, log_seq
      ), summaries AS (
        INSERT INTO dg_trace_summaries (tenant_id, trace_id, workflow, title, primary_entity_type, primary_entity_system,
          primary_entity_id, started_at, finished_at, outcome, event_count, last_log_seq, last_trace_seq, last_event_hash)
        SELECT ${tenantId}, s.trace_id, s.workflow, s.title, s.primary_entity_type, s.primary_entity_system,
          s.primary_entity_id, s.started_at, s.finished_at, s.outcome, s.event_count,
          (SELECT max(ins.log_seq) FROM ins WHERE ins.trace_id = s.trace_id), s.last_trace_seq, s.last_event_hash
        FROM json_to_recordset(${JSON.stringify(traces)}::json) AS s(trace_id text, workflow text, title text,
          primary_entity_type text, primary_entity_system text, primary_entity_id text, started_at timestamptz,
          finished_at timestamptz, outcome text, event_count int, last_trace_seq int, last_event_hash text)
        ON CONFLICT (tenant_id, trace_id) DO UPDATE SET
          workflow = EXCLUDED.workflow, title = EXCLUDED.title, primary_entity_type = EXCLUDED.primary_entity_type,
          primary_entity_system = EXCLUDED.primary_entity_system, primary_entity_id = EXCLUDED.primary_entity_id,
          started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, outcome = EXCLUDED.outcome,
          event_count = EXCLUDED.event_count, last_log_seq = EXCLUDED.last_log_seq,
          last_trace_seq = EXCLUDED.last_trace_seq, last_event_hash = EXCLUDED.last_event_hash
      )`;
}

/** The JSON arguments dg_append_prepare looks stored events up by: idempotency keys and event ids. */
export function replayKeys(inputs: { event_id: string; idempotency_key: string; source: { producer_id: string } }[]): {
  keys: string;
  ids: string;
} {
  return {
    keys: JSON.stringify(inputs.map((e) => ({ p: e.source.producer_id, k: e.idempotency_key }))),
    ids: JSON.stringify(inputs.map((e) => e.event_id)),
  };
}

/** dg_append_prepare's answer (also part of dg_workflow_action_prepare's) as the planner takes it. */
export function appendSnapshotFromJson(state: AppendPrepareJson): AppendSnapshot {
  return { stored: state.events.map(fromJsonEvent), traces: state.traces.map(fromJsonTrace) };
}

/** json_agg writes timestamps with an offset; the API's form is toISOString(). */
function iso(value: string): string;
function iso(value: string | null): string | null;
function iso(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

function fromJsonEvent({ producer_id: _producer, ...row }: JsonEventRow): StoredEvent {
  return {
    ...row,
    hash_version: row.hash_version === 2 ? 2 : 1,
    event_type: row.event_type as EventType,
    occurred_at: iso(row.occurred_at),
    recorded_at: iso(row.recorded_at),
  };
}

function fromJsonTrace({ tenant_id: _tenant, ...row }: JsonTraceRow): TraceState {
  return { ...row, started_at: iso(row.started_at), finished_at: iso(row.finished_at) };
}
