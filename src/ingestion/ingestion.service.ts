import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Principal } from '../auth/principal';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { DomainError } from '../common/error-codes';
import { type Db, PrismaService } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import { MetricsService } from '../observability/metrics.service';
import { AppendResult, EventAppenderService } from './event-appender.service';
import type { TraceQueryDto } from './event.dto';
import { EventLogRepository } from './event-log.repository';
import type { EventInput, EventType } from './event-types';
import { assertMayAppend } from './event-authority';
import { validateEvent } from './event-validation';
import { scanJsonNumbers } from './json-number-scan';
import type { StoredEvent, TraceState } from './stored-event';
import { TraceSummaryRepository } from './trace-summary.repository';
import { TraceWorkflowsRegistry } from './trace-workflows.registry';

export const MAX_BATCH = 500;
const MAX_FEED_LIMIT = 1000;
/** How long a feed read waits for the appends in flight before it (a few milliseconds as a rule). */
const FEED_SETTLE_TIMEOUT_MS = 5_000;
const FEED_SETTLE_FIRST_POLL_MS = 2;
const FEED_SETTLE_MAX_POLL_MS = 50;

export type TraceView = {
  events: StoredEvent[];
  /** The next page of events (`?cursor=`), or null: SPEC §15's bounded reads. */
  next_cursor: string | null;
  summary: Omit<TraceState, 'last_trace_seq' | 'last_event_hash'>;
  workflows: object[];
};
export type FeedView = { events: StoredEvent[]; next_since_log_seq: number };
export type FeedParams = { since_log_seq?: string; limit?: string; event_type?: string; trace_id?: string };

@Injectable()
export class IngestionService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly appender: EventAppenderService,
    private readonly events: EventLogRepository,
    private readonly summaries: TraceSummaryRepository,
    private readonly traceWorkflows: TraceWorkflowsRegistry,
    private readonly metrics: MetricsService,
  ) {}

  async appendOne(principal: Principal, body: unknown, rawText: string | undefined): Promise<AppendResult> {
    const input = validateEvent(body, numbersIn(rawText));
    assertMayAppend(principal, input);
    const [result] = await this.appendAtomically(principal, [input], false);
    return result;
  }

  async appendBatch(
    principal: Principal,
    body: unknown,
    rawText: string | undefined,
  ): Promise<{ events: AppendResult[] }> {
    const items = (body as { events?: unknown } | null)?.events;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH) {
      throw new DomainError('invalid_argument', `$.events must be an array of 1 to ${MAX_BATCH} events`, {
        path: '$.events',
      });
    }
    const numbers = numbersIn(rawText);
    const inputs = items.map((item, index) => {
      try {
        return validateEvent(item, numbers, `$.events[${index}]`);
      } catch (e) {
        if (e instanceof DomainError) throw new DomainError(e.code, e.message, { ...e.details, index });
        throw e;
      }
    });
    inputs.forEach((input, index) => assertMayAppend(principal, input, index));
    try {
      return { events: await this.appendAtomically(principal, inputs, true) };
    } catch (e) {
      throw withBatchIndex(e, inputs);
    }
  }

  /** A trace's summary state (its last trace_seq and hash, whether finished), or undefined. */
  traceState(db: Db, tenantId: string, traceId: string): Promise<TraceState | undefined> {
    return this.summaries.findOne(db, tenantId, traceId);
  }

  async readTrace(principal: Principal, traceId: string, query: TraceQueryDto = {}): Promise<TraceView> {
    const page = tracePage(query);
    // One snapshot, so the summary always describes exactly the events returned.
    return this.prisma.$transaction(
      async (tx) => {
        const summary = await this.summaries.findOne(tx, principal.tenantId, traceId);
        if (!summary) throw new DomainError('not_found', `Trace not found: ${traceId}`);
        const events = await this.events.findByTrace(tx, principal.tenantId, traceId, page);
        const { last_trace_seq: lastSeq, last_event_hash: _hash, ...publicSummary } = summary;
        const last = events.at(-1)?.trace_seq;
        return {
          events,
          next_cursor:
            events.length === page.limit && last !== undefined && last < lastSeq
              ? encodeCursor({ after_trace_seq: last })
              : null,
          summary: publicSummary,
          workflows: await this.traceWorkflows.read(tx, principal.tenantId, traceId),
        };
      },
      { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
    );
  }

  async feed(principal: Principal, params: FeedParams): Promise<FeedView> {
    const sinceLogSeq = Number(params.since_log_seq ?? 0);
    const limit = Number(params.limit ?? 100);
    if (limit < 1 || limit > MAX_FEED_LIMIT)
      throw new DomainError('invalid_argument', `limit must be an integer between 1 and ${MAX_FEED_LIMIT}`);
    const events = await this.events.feed(this.prisma, principal.tenantId, {
      sinceLogSeq,
      throughLogSeq: await this.settledLogSeq(principal.tenantId),
      limit,
      eventType: params.event_type as EventType | undefined,
      traceId: params.trace_id,
    });
    return { events, next_since_log_seq: events.at(-1)?.log_seq ?? sinceLogSeq };
  }

  /**
   * The feed's horizon: a log_seq up to which every value the tenant's appends hold has committed
   * or rolled back, so that a page never shows log_seq 11 while 10 may still commit (a consumer
   * paging on would skip it). Every append takes the tenant's feed lock before its log_seq
   * (dg_append_prepare), so an append holding a value up to the sequence's last one read here
   * either has ended or holds the lock in the look-ups that follow: wait for those. The lock free
   * is the usual case, found by the same statement that reads the sequence; pg_locks, which
   * copies the whole lock table, is read only when it is not.
   */
  private async settledLogSeq(tenantId: string): Promise<number> {
    const { lastLogSeq: horizon, settled } = await this.events.feedHorizon(this.prisma, tenantId);
    if (settled) return horizon;
    const deadline = performance.now() + FEED_SETTLE_TIMEOUT_MS;
    let inFlight = await this.events.appendsInFlight(this.prisma, tenantId);
    for (let pause = FEED_SETTLE_FIRST_POLL_MS; inFlight.length; pause = Math.min(pause * 2, FEED_SETTLE_MAX_POLL_MS)) {
      if (performance.now() > deadline) throw new DomainError('storage', 'The database is busy; retry later');
      await sleep(pause);
      inFlight = await this.events.appendsInFlight(this.prisma, tenantId, inFlight);
    }
    return horizon;
  }

  private appendAtomically(principal: Principal, inputs: EventInput[], batch: boolean): Promise<AppendResult[]> {
    return this.metrics.time(this.metrics.appendDuration, { mode: batch ? 'batch' : 'single' }, () =>
      this.appender.appendInTransaction(principal.tenantId, principal.accountId, inputs, batch),
    );
  }
}

/** An error the workflow layer raised about one event of a batch (`details.event_id`) names its index too. */
function withBatchIndex(e: unknown, inputs: EventInput[]): unknown {
  if (!(e instanceof DomainError) || e.details?.index !== undefined) return e;
  const index = inputs.findIndex((input) => input.event_id === e.details?.event_id);
  return index < 0 ? e : new DomainError(e.code, e.message, { ...e.details, index });
}

function numbersIn(rawText: string | undefined) {
  return rawText ? scanJsonNumbers(rawText) : { floats: [], unsafeIntegers: [] };
}

/** Events per page of GET /traces/:trace_id; a trace of at most this many comes whole, as before paging. */
const TRACE_PAGE_MAX = 1000;

function tracePage(query: TraceQueryDto): { afterTraceSeq: number; limit: number } {
  const limit = query.limit === undefined ? TRACE_PAGE_MAX : Number(query.limit);
  if (limit < 1 || limit > TRACE_PAGE_MAX)
    throw new DomainError('invalid_argument', `limit must be an integer between 1 and ${TRACE_PAGE_MAX}`);
  const cursor =
    query.cursor === undefined
      ? { after_trace_seq: -1 }
      : decodeCursor(query.cursor, (v): v is { after_trace_seq: number } => Number.isSafeInteger(v.after_trace_seq));
  return { afterTraceSeq: cursor.after_trace_seq, limit };
}
