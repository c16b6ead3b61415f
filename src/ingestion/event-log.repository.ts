import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { EventType } from './event-types';
import type { StoredEvent } from './stored-event';

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
  recorded_by: string | null;
  hash_version: number;
};

/** `throughLogSeq`: the feed's horizon (IngestionService), the highest log_seq it may show. */
export type FeedQuery = {
  sinceLogSeq: number;
  throughLogSeq: number;
  limit: number;
  eventType?: EventType;
  traceId?: string;
};

/** The advisory lock class of the tenants' feed keys, taken shared by every append in dg_append_prepare(). */
export const FEED_LOCK_CLASS = 4711;

/** Reads of the append-only decision log; appends go through AppendRepository (STYLE #12: no update, no delete). */
@Injectable()
export class EventLogRepository {
  /** A page of the trace's events after `afterTraceSeq` (-1: from the start), by trace_seq. */
  async findByTrace(
    db: Db,
    tenantId: string,
    traceId: string,
    page: { afterTraceSeq: number; limit: number },
  ): Promise<StoredEvent[]> {
    const rows = await db.eventLog.findMany({
      where: { tenant_id: tenantId, trace_id: traceId, trace_seq: { gt: page.afterTraceSeq } },
      orderBy: { trace_seq: 'asc' },
      take: page.limit,
    });
    return rows.map(toStoredEvent);
  }

  async feed(db: Db, tenantId: string, query: FeedQuery): Promise<StoredEvent[]> {
    const rows = await db.eventLog.findMany({
      where: {
        tenant_id: tenantId,
        log_seq: { gt: BigInt(query.sinceLogSeq), lte: BigInt(query.throughLogSeq) },
        ...(query.eventType ? { event_type: query.eventType } : {}),
        ...(query.traceId ? { trace_id: query.traceId } : {}),
      },
      orderBy: { log_seq: 'asc' },
      take: query.limit,
    });
    return rows.map(toStoredEvent);
  }

  /**
   * The last log_seq the sequence handed out, to any tenant and committed or not (its next one less
   * one, before a nextval), and whether the tenant's feed lock was free — no append under way —
   * when it was read: one statement, whose try-lock excludes appends while the value is read, and
   * never queues.
   */
  async feedHorizon(db: Db, tenantId: string): Promise<{ lastLogSeq: number; settled: boolean }> {
    const [row] = await db.$queryRaw<{ last_value: bigint; is_called: boolean; free: boolean }[]>`
      SELECT last_value, is_called, pg_try_advisory_xact_lock(${FEED_LOCK_CLASS}, hashtext(${tenantId})) AS free
      FROM dg_event_log_log_seq_seq`;
    return { lastLogSeq: Number(row.last_value) - (row.is_called ? 0 : 1), settled: row.free };
  }

  /**
   * The transactions (virtual ids) holding the tenant's feed lock shared now — its appends under
   * way — among `among` when given. An exclusive holder is no append: a replay run's barrier
   * (src/projections), which holds no log_seq, or a feed read's try-lock.
   */
  async appendsInFlight(db: Db, tenantId: string, among?: string[]): Promise<string[]> {
    const rows = await db.$queryRaw<{ vxid: string }[]>`
      SELECT DISTINCT virtualtransaction AS vxid FROM pg_locks
      WHERE locktype = 'advisory' AND classid = ${FEED_LOCK_CLASS}::oid AND objsubid = 2 AND granted AND mode = 'ShareLock'
        AND objid::bigint = (hashtext(${tenantId})::bigint & 4294967295)
        AND (${among ?? null}::text[] IS NULL OR virtualtransaction = ANY(${among ?? null}::text[]))`;
    return rows.map((r) => r.vxid);
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
    recorded_by: row.recorded_by,
    hash_version: row.hash_version === 2 ? 2 : 1,
  };
}
