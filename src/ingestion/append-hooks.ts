import { Injectable } from '@nestjs/common';
import type { SqlDb } from '../database/driver-tx';
import type { EventInput, EventType } from './event-types';
import type { StoredEvent, TraceState } from './stored-event';

/**
 * Lets a module that depends on ingestion (the workflow layer) act on newly appended events inside
 * the append's transaction, without ingestion importing it. A hook that throws rolls the append
 * back. The append sends each part as soon as it can (EventAppenderService.append): on the pg
 * driver `read` travels in the round trip of the append's first statement, and the last hook's
 * `apply` in the round trip of COMMIT — hence at most one statement each.
 */
export interface AppendHook<R = unknown> {
  /** The event types the hook acts on; an append with none of them does not involve it. */
  readonly eventTypes: readonly EventType[];
  /** What `apply` needs, read under the append's trace locks before the events are planned; one statement at most. */
  read(db: SqlDb, tenantId: string, inputs: EventInput[]): Promise<R>;
  /**
   * Acts on the events the append stored (replays excluded), given the traces' state after the
   * append and what `read` returned; one statement at most.
   */
  apply(
    db: SqlDb,
    tenantId: string,
    events: StoredEvent[],
    traces: ReadonlyMap<string, TraceState>,
    read: R,
  ): Promise<void>;
}

@Injectable()
export class AppendHooks {
  private readonly hooks: AppendHook[] = [];

  /** Hooks run in registration order. */
  register<R>(hook: AppendHook<R>): void {
    this.hooks.push(hook as AppendHook);
  }

  /** The hooks acting on some of these event types. */
  actingOn(eventTypes: readonly string[]): AppendHook[] {
    return this.hooks.filter((hook) => hook.eventTypes.some((type) => eventTypes.includes(type)));
  }
}
