import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { StoredEvent } from './stored-event';

/**
 * Lets a module that depends on ingestion (the workflow layer) act on newly appended events inside
 * the append's transaction, without ingestion importing it. Hooks run in registration order; a
 * hook that throws rolls the append back.
 */
export type AppendHook = (tx: Db, tenantId: string, events: StoredEvent[]) => Promise<void>;

@Injectable()
export class AppendHooks {
  private readonly hooks: AppendHook[] = [];

  register(hook: AppendHook): void {
    this.hooks.push(hook);
  }

  async run(tx: Db, tenantId: string, events: StoredEvent[]): Promise<void> {
    for (const hook of this.hooks) await hook(tx, tenantId, events);
  }
}
