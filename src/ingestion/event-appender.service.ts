import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { isUniqueViolation } from '../common/error-translation';
import { DriverTransactionsService, isDriverUniqueViolation } from '../database/driver-transactions.service';
import { DriverTx, type SqlDb } from '../database/driver-tx';
import { PrismaService } from '../database/prisma.service';
import { AppendHooks } from './append-hooks';
import { AppendState, idempotencyKey, planAppends } from './append-planner';
import { AppendRepository } from './append.repository';
import type { EventInput } from './event-types';
import type { NewEvent, StoredEvent, TraceState } from './stored-event';
import { TraceSummaryRepository } from './trace-summary.repository';

export type AppendResult = { event: StoredEvent; replayed: boolean };

export type AppendOptions = {
  /** Appended by the workflow layer itself: exempt from the finished-trace lock (SPEC §5.5). */
  internal?: boolean;
  /** A batch request: errors carry the failing index. */
  batch?: boolean;
  recordedAt: Date;
};

/** A unique violation means a concurrent append won a race on an idempotency key or event_id; a retry sees it. */
const ATTEMPTS = 3;
const TX_OPTIONS = { maxWait: 10_000, timeout: 30_000 };

/**
 * The one append path (SPEC §5.5): HTTP ingestion and the workflow layer's own ApprovalRecorded /
 * WorkflowReviewRequested both come through here, and every rule lives in the planner.
 */
@Injectable()
export class EventAppenderService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly driver: DriverTransactionsService,
    private readonly appends: AppendRepository,
    private readonly summaries: TraceSummaryRepository,
    private readonly hooks: AppendHooks,
    private readonly clock: Clock,
  ) {}

  /**
   * An append in a transaction of its own (HTTP ingestion). On PostgreSQL it runs on the pg driver
   * — BEGIN, the same statements, COMMIT — because Prisma's interactive transaction and per-query
   * cost were most of the CPU of an append (bench/README.md, "Ingest" and "Workflow"); the
   * embedded database goes through Prisma. A retry after a unique violation goes through Prisma
   * too, whose errors the exception filter translates.
   */
  async appendInTransaction(tenantId: string, inputs: EventInput[], batch: boolean): Promise<AppendResult[]> {
    for (let attempt = 1; ; attempt++) {
      const options: AppendOptions = { batch, recordedAt: this.clock.now() };
      try {
        if (attempt === 1 && this.driver.available) {
          return await this.driver.run((tx) => this.append(tx, tenantId, inputs, options), TX_OPTIONS.maxWait);
        }
        return await this.prisma.$transaction((tx) => this.append(tx, tenantId, inputs, options), TX_OPTIONS);
      } catch (e) {
        if (attempt >= ATTEMPTS || !(isUniqueViolation(e) || isDriverUniqueViolation(e))) throw e;
      }
    }
  }

  /**
   * Runs inside a transaction the caller opened: the driver's (above) or Prisma's (the workflow
   * layer appends within its actions).
   */
  async append(db: SqlDb, tenantId: string, inputs: EventInput[], options: AppendOptions): Promise<AppendResult[]> {
    const results = await this.lockPlanWrite(db, tenantId, inputs, options);
    const fresh = results.filter((r) => !r.replayed).map((r) => r.event);
    if (fresh.length) {
      const finished = fresh.filter((e) => e.event_type === 'TraceFinished').map((e) => e.trace_id);
      if (finished.length) await this.summaries.indexPrecedents(db, tenantId, finished);
      await this.hooks.run(db, tenantId, fresh);
    }
    return results;
  }

  /** Whether the write is an append's last statement: no precedent to index, no hook to run. */
  private writeIsLast(events: NewEvent[]): boolean {
    const types = events.map((e) => e.event_type);
    return !types.includes('TraceFinished') && !this.hooks.actOnAny(types);
  }

  /** Locks the traces, reads what the rules need, plans, and writes the fresh events. */
  private async lockPlanWrite(db: SqlDb, tenantId: string, inputs: EventInput[], options: AppendOptions): Promise<AppendResult[]> {
    const { stored, traces } = await this.appends.lockAndRead(db, tenantId, inputs);
    const state: AppendState = {
      byIdempotency: new Map(stored.map((e) => [idempotencyKey(e.source.producer_id, e.idempotency_key), e])),
      takenEventIds: new Set(stored.map((e) => e.event_id)),
      traces: new Map(traces.map((t) => [t.trace_id, t])),
    };
    const planned = planAppends(inputs, state, {
      tenantId,
      recordedAt: options.recordedAt.toISOString(),
      internal: options.internal ?? false,
      batch: options.batch ?? false,
    });
    const fresh = planned.filter((p) => !p.replayed).map((p) => p.event);
    if (fresh.length) {
      const touched = [...new Set(fresh.map((e) => e.trace_id))].map((id) => state.traces.get(id) as TraceState);
      // On the driver, COMMIT travels with the last statement.
      if (db instanceof DriverTx && this.writeIsLast(fresh)) db.commitAfterNextStatement();
      const logSeqs = await this.appends.write(db, tenantId, fresh, touched);
      for (const event of fresh) Object.assign(event, { log_seq: logSeqs.get(event.event_id) });
    }
    return planned.map((p) => ({ event: p.event as StoredEvent, replayed: p.replayed }));
  }
}
