import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { AppendHooks } from './append-hooks';
import { AppendState, idempotencyKey, planAppends } from './append-planner';
import { AppendRepository } from './append.repository';
import type { EventInput } from './event-types';
import type { StoredEvent, TraceState } from './stored-event';
import { TraceSummaryRepository } from './trace-summary.repository';

export type AppendResult = { event: StoredEvent; replayed: boolean };

export type AppendOptions = {
  /** Appended by the workflow layer itself: exempt from the finished-trace lock (SPEC §5.5). */
  internal?: boolean;
  /** A batch request: errors carry the failing index. */
  batch?: boolean;
  recordedAt: Date;
};

/**
 * The one append path (SPEC §5.5), run inside a transaction the caller opened: HTTP ingestion and
 * the workflow layer's own ApprovalRecorded / WorkflowReviewRequested both come through here.
 */
@Injectable()
export class EventAppenderService {
  constructor(
    private readonly appends: AppendRepository,
    private readonly summaries: TraceSummaryRepository,
    private readonly hooks: AppendHooks,
  ) {}

  async append(tx: Db, tenantId: string, inputs: EventInput[], options: AppendOptions): Promise<AppendResult[]> {
    const { stored, traces } = await this.appends.lockAndRead(tx, tenantId, inputs);
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
      const logSeqs = await this.appends.write(tx, tenantId, fresh, touched);
      for (const event of fresh) Object.assign(event, { log_seq: logSeqs.get(event.event_id) });
      const finished = fresh.filter((e) => e.event_type === 'TraceFinished').map((e) => e.trace_id);
      if (finished.length) await this.summaries.indexPrecedents(tx, tenantId, finished);
      await this.hooks.run(tx, tenantId, fresh as StoredEvent[]);
    }
    return planned.map((p) => ({ event: p.event as StoredEvent, replayed: p.replayed }));
  }
}
