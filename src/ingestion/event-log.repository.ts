import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { EventInput, EventType } from './event-types';
import type { NewEvent, StoredEvent } from './stored-event';

/** A dg_event_log row as Prisma and $queryRaw return it. */
export type EventRow = {
  log_seq: bigint;
  tenant_id: string;
  event_id: string;
  trace_id: string;
  trace_seq: number;
  event_type: string;
  occurred_at: Date;
  recorded_at: Date;
  producer_id: string;
  source: unknown;
  actor: unknown;
  idempotency_key: string;
  correlation_id: string | null;
  causation_event_id: string | null;
  schema_version: number;
  tags: string[];
  payload: unknown;
  payload_hash: string;
  prev_event_hash: string | null;
  event_hash: string;
};

export type FeedQuery = { sinceLogSeq: number; limit: number; eventType?: EventType; traceId?: string };

/**
 * The append-only decision log: appends and reads, nothing else (STYLE #12). Hot-path statements
 * are single parameterised SQL statements; JSON parameters carry whole batches in one round trip.
 */
@Injectable()
export class EventLogRepository {
  /** Serialises appends per (tenant, trace); keys are taken in one global order, so no deadlocks. */
  async lockTraces(db: Db, tenantId: string, traceIds: string[]): Promise<void> {
    await db.$executeRaw`
      SELECT pg_advisory_xact_lock(k) FROM (
        SELECT DISTINCT hashtextextended(${tenantId} || chr(31) || t, 0) AS k
        FROM json_array_elements_text(${JSON.stringify(traceIds)}::json) AS t
        ORDER BY k
      ) keys`;
  }

  /** Stored events that share an idempotency key or an event_id with the inputs. */
  async findConflicting(db: Db, tenantId: string, inputs: EventInput[]): Promise<StoredEvent[]> {
    const keys = JSON.stringify(inputs.map((e) => ({ p: e.source.producer_id, k: e.idempotency_key })));
    const ids = JSON.stringify(inputs.map((e) => e.event_id));
    const rows = await db.$queryRaw<EventRow[]>`
      SELECT * FROM dg_event_log
      WHERE tenant_id = ${tenantId}
        AND ((producer_id, idempotency_key) IN (SELECT p, k FROM json_to_recordset(${keys}::json) AS x(p text, k text))
          OR event_id IN (SELECT json_array_elements_text(${ids}::json)))`;
    return rows.map(toStoredEvent);
  }

  /** Inserts the events (a function scan keeps their order, so log_seq follows it); returns log_seq by event_id. */
  async insert(db: Db, events: NewEvent[]): Promise<Map<string, number>> {
    const rows = JSON.stringify(events.map((e) => ({ ...e, producer_id: e.source.producer_id })));
    const inserted = await db.$queryRaw<{ event_id: string; log_seq: bigint }[]>`
      INSERT INTO dg_event_log (tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer_id,
        source, actor, idempotency_key, correlation_id, causation_event_id, schema_version, tags, payload, payload_hash,
        prev_event_hash, event_hash)
      SELECT tenant_id, event_id, trace_id, trace_seq, event_type, occurred_at, recorded_at, producer_id,
        source, actor, idempotency_key, correlation_id, causation_event_id, schema_version, tags, payload, payload_hash,
        prev_event_hash, event_hash
      FROM json_to_recordset(${rows}::json) AS x(tenant_id text, event_id text, trace_id text, trace_seq int,
        event_type text, occurred_at timestamptz, recorded_at timestamptz, producer_id text, source jsonb, actor jsonb,
        idempotency_key text, correlation_id text, causation_event_id text, schema_version int, tags text[], payload jsonb,
        payload_hash text, prev_event_hash text, event_hash text)
      RETURNING event_id, log_seq`;
    return new Map(inserted.map((r) => [r.event_id, Number(r.log_seq)]));
  }

  async findByTrace(db: Db, tenantId: string, traceId: string): Promise<StoredEvent[]> {
    const rows = await db.eventLog.findMany({ where: { tenant_id: tenantId, trace_id: traceId }, orderBy: { trace_seq: 'asc' } });
    return rows.map(toStoredEvent);
  }

  async feed(db: Db, tenantId: string, query: FeedQuery): Promise<StoredEvent[]> {
    const rows = await db.eventLog.findMany({
      where: {
        tenant_id: tenantId,
        log_seq: { gt: BigInt(query.sinceLogSeq) },
        ...(query.eventType ? { event_type: query.eventType } : {}),
        ...(query.traceId ? { trace_id: query.traceId } : {}),
      },
      orderBy: { log_seq: 'asc' },
      take: query.limit,
    });
    return rows.map(toStoredEvent);
  }
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    tenant_id: row.tenant_id,
    log_seq: Number(row.log_seq),
    event_id: row.event_id,
    trace_id: row.trace_id,
    trace_seq: row.trace_seq,
    event_type: row.event_type as EventType,
    occurred_at: row.occurred_at.toISOString(),
    recorded_at: row.recorded_at.toISOString(),
    source: row.source as StoredEvent['source'],
    actor: row.actor as StoredEvent['actor'],
    idempotency_key: row.idempotency_key,
    correlation_id: row.correlation_id,
    causation_event_id: row.causation_event_id,
    schema_version: row.schema_version,
    tags: row.tags,
    payload: row.payload as Record<string, unknown>,
    payload_hash: row.payload_hash,
    prev_event_hash: row.prev_event_hash,
    event_hash: row.event_hash,
  };
}
