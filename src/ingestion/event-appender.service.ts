import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { isUniqueViolation } from '../common/error-translation';
import { DriverTransactionsService, isDriverUniqueViolation } from '../database/driver-transactions.service';
import { DriverTx, type SqlDb } from '../database/driver-tx';
import { PrismaService } from '../database/prisma.service';
import { AppendHook, AppendHooks } from './append-hooks';
import { AppendState, idempotencyKey, planAppends } from './append-planner';
import { AppendRepository, AppendSnapshot } from './append.repository';
import type { EventInput } from './event-types';
import type { NewEvent, StoredEvent, TraceState } from './stored-event';
import { type PrecedentEvent, precedentRowsOf, TraceSummaryRepository } from './trace-summary.repository';

export type AppendResult = { event: StoredEvent; replayed: boolean };

export type AppendOptions = {
  /** Appended by the workflow layer itself: exempt from the finished-trace lock (SPEC §5.5). */
  internal?: boolean;
  /** A batch request: errors carry the failing index. */
  batch?: boolean;
  recordedAt: Date;
  /** The account whose request appends (SPEC §11.1): the caller, or `system` for the SLA sweep. */
  recordedBy: string;
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
  async appendInTransaction(
    tenantId: string,
    recordedBy: string,
    inputs: EventInput[],
    batch: boolean,
  ): Promise<AppendResult[]> {
    for (let attempt = 1; ; attempt++) {
      const options: AppendOptions = { batch, recordedAt: this.clock.now(), recordedBy };
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
   * layer appends within its actions). Locks the traces and reads what the rules and the hooks
   * need, plans, then writes: the fresh events, the precedents of the traces they finish, and
   * what the hooks make of them — one statement per step, so that on the driver COMMIT travels
   * with the last one.
   */
  async append(db: SqlDb, tenantId: string, inputs: EventInput[], options: AppendOptions): Promise<AppendResult[]> {
    const hooks = this.hooks.actingOn(inputs.map((e) => e.event_type));
    const { snapshot, reads } = await this.lockAndRead(db, tenantId, inputs, hooks);
    const state: AppendState = {
      byIdempotency: new Map(snapshot.stored.map((e) => [idempotencyKey(e.source.producer_id, e.idempotency_key), e])),
      takenEventIds: new Set(snapshot.stored.map((e) => e.event_id)),
      traces: new Map(snapshot.traces.map((t) => [t.trace_id, t])),
    };
    const planned = planAppends(inputs, state, {
      tenantId,
      recordedAt: options.recordedAt.toISOString(),
      recordedBy: options.recordedBy,
      internal: options.internal ?? false,
      batch: options.batch ?? false,
    });
    const fresh = planned.filter((p) => !p.replayed).map((p) => p.event);
    const steps = fresh.length ? this.writeSteps(tenantId, fresh, state.traces, hooks, reads) : [];
    for (const [index, step] of steps.entries()) {
      if (db instanceof DriverTx && index === steps.length - 1) db.commitAfterNextStatement();
      await step(db);
    }
    return planned.map((p) => ({ event: p.event as StoredEvent, replayed: p.replayed }));
  }

  /**
   * The traces' locks and state, the events an input may replay, and the hooks' reads: on the
   * driver all in one round trip (pipelined behind the lock-and-read, so still after it), on
   * Prisma one after the other.
   */
  private async lockAndRead(
    db: SqlDb,
    tenantId: string,
    inputs: EventInput[],
    hooks: AppendHook[],
  ): Promise<{ snapshot: AppendSnapshot; reads: unknown[] }> {
    if (db instanceof DriverTx) {
      const [snapshot, reads] = await Promise.all([
        this.appends.lockAndRead(db, tenantId, inputs),
        Promise.all(hooks.map((h) => h.read(db, tenantId, inputs))),
      ]);
      return { snapshot, reads };
    }
    const snapshot = await this.appends.lockAndRead(db, tenantId, inputs);
    const reads: unknown[] = [];
    for (const hook of hooks) reads.push(await hook.read(db, tenantId, inputs));
    return { snapshot, reads };
  }

  /** The statements that store the fresh events and what follows from them, in order. */
  private writeSteps(
    tenantId: string,
    fresh: NewEvent[],
    traces: Map<string, TraceState>,
    hooks: AppendHook[],
    reads: unknown[],
  ): ((db: SqlDb) => Promise<void>)[] {
    const stored = fresh as StoredEvent[];
    const steps = [
      async (db: SqlDb) => {
        const touched = [...new Set(fresh.map((e) => e.trace_id))].map((id) => traces.get(id) as TraceState);
        const logSeqs = await this.appends.write(db, tenantId, fresh, touched);
        for (const event of stored) {
          event.log_seq = logSeqs.get(event.event_id) as number;
          const trace = traces.get(event.trace_id) as TraceState;
          trace.last_log_seq = Math.max(trace.last_log_seq, event.log_seq);
        }
      },
    ];
    const finished = [...new Set(fresh.filter((e) => e.event_type === 'TraceFinished').map((e) => e.trace_id))];
    if (finished.length) {
      let events: PrecedentEvent[] = [];
      steps.push(async (db) => {
        events = await this.summaries.precedentEvents(db, tenantId, finished);
      });
      steps.push((db) =>
        this.summaries.insertPrecedents(
          db,
          tenantId,
          precedentRowsOf(
            finished.map((id) => traces.get(id) as TraceState),
            events,
          ),
        ),
      );
    }
    const types = fresh.map((e) => e.event_type);
    hooks.forEach((hook, i) => {
      if (hook.eventTypes.some((type) => types.includes(type)))
        steps.push((db) => hook.apply(db, tenantId, stored, traces, reads[i]));
    });
    return steps;
  }
}
