import { Injectable } from '@nestjs/common';
import type { SqlDb } from '../database/driver-tx';
import type { EventType } from './event-types';
import type { StoredEvent } from './stored-event';

/**
 * Lets a module that depends on ingestion (the workflow layer) act on newly appended events inside
 * the append's transaction, without ingestion importing it. Hooks run in registration order; a
 * hook that throws rolls the append back.
 */
export type AppendHook = (tx: SqlDb, tenantId: string, events: StoredEvent[]) => Promise<void>;

@Injectable()
export class AppendHooks {
  private readonly hooks: AppendHook[] = [];
  private readonly eventTypes = new Set<string>();

  /**
   * `eventTypes`: the events the hook acts on. An append with none of them runs no hook, so its
   * write is its last statement (EventAppenderService).
   */
  register(hook: AppendHook, eventTypes: readonly EventType[]): void {
    this.hooks.push(hook);
    for (const type of eventTypes) this.eventTypes.add(type);
  }

  /** Whether some hook acts on one of these event types. */
  actOnAny(eventTypes: readonly string[]): boolean {
    return eventTypes.some((type) => this.eventTypes.has(type));
  }

  async run(tx: SqlDb, tenantId: string, events: StoredEvent[]): Promise<void> {
    for (const hook of this.hooks) await hook(tx, tenantId, events);
  }
}
