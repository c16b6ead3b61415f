import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/error-codes';
import { PrismaService } from '../database/prisma.service';
import type { ChangeEntry } from './change-entry';
import { ChangeSignalService } from './change-signal.service';
import { ChangeStreamRepository } from './change-stream.repository';

const BATCH = 1000;
const SETTLE_FIRST_MS = 5;
const SETTLE_MAX_MS = 200;
const START_SETTLE_LIMIT_MS = 10_000;
const START_RETRY_MAX_MS = 10_000;
/** How long a new stream waits for the feed to start (the database unreachable at start-up) before 503. */
const SUBSCRIBE_WAIT_MS = 5_000;

type TenantListener = (entries: ChangeEntry[]) => void;
/** Ids in (cursor, bound] that were missing under a snapshot where `xids` were running. */
type Gap = { bound: number; xids: string[] };

/**
 * This instance's one reader of the change stream (all tenants), woken by ChangeSignalService and
 * by a slow poll. It hands every entry, once and in id order, to the stream listeners of its tenant,
 * and wakes the decision waiters of an item as soon as it sees an entry for it.
 *
 * Ids come from a sequence, so a smaller id can commit after a larger one. `cursor` is the id up
 * to which the stream is final: entries past a gap are held back (only waiters are woken) until
 * every transaction that was running when the gap was seen has ended (see the migration's note).
 *
 * With no stream and no waiter on this instance nobody needs an entry at once, so a signal only
 * marks the feed `behind` and the next poll (DG_CHANGE_POLL_INTERVAL_MS) reads: one read per poll
 * rather than one per workflow change (bench/README.md, "Workflow"), and that read moves past the
 * entries unread when none is missing (one count). A new listener makes it read at once, and a new
 * stream waits for that read, so the position it is handed is as fresh as if every signal had been
 * read.
 */
@Injectable()
export class ChangeFeedService {
  private readonly logger = new Logger(ChangeFeedService.name);
  private cursor = 0;
  private gap: Gap | undefined;
  /**
   * While a gap is open, what waking past it has read: every id up to `head`, but the `holes`
   * (ids not committed when read: still running, or rolled back). Forgotten when the gap closes.
   */
  private pastGap = { head: 0, holes: new Set<number>() };
  private started: Promise<void> | undefined;
  private ready = false;
  private reading = false;
  private readAgain = false;
  /** Signalled while nobody listened; read by the next poll or the next listener. */
  private behind = false;
  /** Resolved when a read that started after they were added has ended. */
  private catchUps: (() => void)[] = [];
  private settleTimer: NodeJS.Timeout | undefined;
  private settleMs = SETTLE_FIRST_MS;
  private stopped = false;
  private readonly tenantListeners = new Map<string, Set<TenantListener>>();
  private readonly itemWatchers = new Map<string, Set<() => void>>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly repository: ChangeStreamRepository,
    private readonly signal: ChangeSignalService,
  ) {}

  /**
   * Positions the cursor at the stream's final head and starts listening; retried with backoff
   * while the database cannot be reached (the service starts anyway and reports not ready).
   */
  start(): Promise<void> {
    this.started ??= this.beginWithRetries();
    return this.started;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.settleTimer);
    for (const done of this.catchUps.splice(0)) done();
  }

  /**
   * Listens to a tenant's final entries from now on; returns the id up to which entries were final
   * when it started (older ones are in the table: read them to resume) and the unsubscribe function.
   */
  async subscribe(tenantId: string, listener: TenantListener): Promise<{ from: number; unsubscribe: () => void }> {
    if (!this.ready) await this.startWithin(SUBSCRIBE_WAIT_MS);
    if (this.behind) await this.catchUp();
    const set = this.tenantListeners.get(tenantId) ?? new Set();
    this.tenantListeners.set(tenantId, set);
    set.add(listener);
    // What was signalled during the catch-up, while nobody listened, is read now.
    if (this.behind) this.read();
    return { from: this.cursor, unsubscribe: () => removeFrom(this.tenantListeners, tenantId, set, listener) };
  }

  /** Calls `wake` whenever an entry about the item is seen (it may be called more than once per change). */
  watchItem(tenantId: string, workflowId: string, wake: () => void): () => void {
    const key = itemKey(tenantId, workflowId);
    const set = this.itemWatchers.get(key) ?? new Set();
    this.itemWatchers.set(key, set);
    set.add(wake);
    if (this.behind) this.read();
    return () => removeFrom(this.itemWatchers, key, set, wake);
  }

  /** A signal that the stream grew: read at once while a stream or a waiter listens, else at the next poll. */
  poke(): void {
    if (this.stopped || !this.ready) return;
    if (this.listening() || this.catchUps.length) this.read();
    else this.behind = true;
  }

  private listening(): boolean {
    return this.tenantListeners.size > 0 || this.itemWatchers.size > 0;
  }

  /** The backstop poll: reads whether or not a signal came. */
  poll(): void {
    if (this.stopped || !this.ready) return;
    this.read();
  }

  /** Resolves once a read that starts from now has ended (failed reads included). */
  private catchUp(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.catchUps.push(resolve);
      this.read();
    });
  }

  /** Reads now; calls during a read coalesce into one more read after it. */
  private read(): void {
    if (this.stopped) return;
    this.behind = false;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    void this.readAll()
      .catch((e: unknown) => {
        if (!this.stopped) this.logger.warn(`change stream read failed: ${e instanceof Error ? e.message : String(e)}`);
      })
      .finally(() => {
        this.reading = false;
        if (this.readAgain) {
          this.readAgain = false;
          this.read();
          return;
        }
        for (const done of this.catchUps.splice(0)) done();
      });
  }

  private async startWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DomainError('storage', 'The database is unavailable; retry later')), ms);
    });
    try {
      await Promise.race([this.start(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async beginWithRetries(): Promise<void> {
    let waitMs = SETTLE_MAX_MS;
    for (;;) {
      try {
        await this.begin();
        return;
      } catch (e) {
        if (this.stopped) return;
        this.logger.warn(`change feed cannot start: ${e instanceof Error ? e.message : String(e)}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        waitMs = Math.min(waitMs * 2, START_RETRY_MAX_MS);
      }
    }
  }

  private async begin(): Promise<void> {
    const { lastId, runningXids } = await this.repository.head(this.prisma);
    // Entries up to lastId are final once the transactions running now have ended (bounded: a
    // stuck transaction must not keep the instance from starting; its entries go to resumes only).
    const deadline = Date.now() + START_SETTLE_LIMIT_MS;
    let waitMs = SETTLE_FIRST_MS;
    while ((await this.repository.countRunning(this.prisma, runningXids)) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      waitMs = Math.min(waitMs * 2, SETTLE_MAX_MS);
    }
    this.cursor = lastId;
    this.ready = true;
    await this.signal.start(() => this.poke());
    setImmediate(() => this.poke());
  }

  private async readAll(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      if (!this.gap && !this.listening()) {
        // Nobody to hand entries to: move past them unread when none is missing (a bulk import
        // signals hundreds of thousands at once), else read them to find where the stream is final.
        const head = await this.repository.completeHead(this.prisma, this.cursor);
        if (head !== undefined) {
          this.cursor = head;
          return;
        }
      }
      // Past an open gap only waiters are woken: with none, there is nothing to read there.
      if (this.gap && !(await this.closeGap(this.gap)))
        return this.itemWatchers.size ? this.wakePastGap(this.gap) : undefined;
      const batch = await this.repository.readAfter(this.prisma, this.cursor, BATCH);
      if (!batch.ids.length) return;
      let final = 0;
      while (final < batch.ids.length && batch.ids[final] === this.cursor + final + 1) final++;
      const lastFinal = final ? batch.ids[final - 1] : undefined;
      const ready = batch.entries.filter((e) => lastFinal !== undefined && e.id <= lastFinal);
      this.deliver(ready, lastFinal);
      if (final < batch.ids.length) {
        this.wake(batch.entries.filter((e) => lastFinal === undefined || e.id > lastFinal));
        this.gap = { bound: batch.ids[batch.ids.length - 1], xids: batch.runningXids };
        this.pastGap = { head: this.cursor, holes: new Set() };
        this.notePastGap(batch.ids);
      } else if (batch.ids.length < BATCH) {
        return;
      }
    }
  }

  /** Delivers (cursor, gap.bound] once it is final; false (and a timer to try again) while it is not. */
  private async closeGap(gap: Gap): Promise<boolean> {
    const complete = await this.repository.readRange(this.prisma, this.cursor, gap.bound, gap.bound - this.cursor);
    const filled = complete.ids.length === gap.bound - this.cursor;
    if (!filled && (await this.repository.countRunning(this.prisma, gap.xids)) > 0) {
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => this.poke(), this.settleMs);
      this.settleMs = Math.min(this.settleMs * 2, SETTLE_MAX_MS);
      return false;
    }
    const entries = filled
      ? complete.entries
      : (await this.repository.readRange(this.prisma, this.cursor, gap.bound, gap.bound - this.cursor)).entries;
    this.deliver(entries, gap.bound);
    this.gap = undefined;
    this.pastGap = { head: 0, holes: new Set() };
    this.settleMs = SETTLE_FIRST_MS;
    return true;
  }

  /**
   * Wakes the waiters of what committed past an open gap. The gap holds the stream back until every
   * transaction that was running when it was seen has ended; those are all of the server's, in any
   * database, so an unrelated long transaction can hold it for minutes. Waking needs no order: a
   * woken waiter reads its item itself. Delivery to the streams still waits for the gap.
   */
  private async wakePastGap(gap: Gap): Promise<void> {
    const past = this.pastGap;
    if (past.holes.size) {
      const filled = await this.repository.readIds(this.prisma, [...past.holes]);
      for (const id of filled.ids) past.holes.delete(id);
      this.wake(filled.entries);
    }
    for (;;) {
      if (this.stopped || this.gap !== gap) return;
      const batch = await this.repository.readAfter(this.prisma, past.head, BATCH);
      this.wake(batch.entries);
      this.notePastGap(batch.ids);
      if (batch.ids.length < BATCH) return;
    }
  }

  /** Moves the head of what waking past the gap has read over `ids` (ascending), noting the holes. */
  private notePastGap(ids: number[]): void {
    const past = this.pastGap;
    for (const id of ids) {
      if (id <= past.head) continue;
      for (let missing = past.head + 1; missing < id; missing++) past.holes.add(missing);
      past.head = id;
    }
  }

  /** Hands final entries to the listeners and moves the cursor, in one synchronous step. */
  private deliver(entries: ChangeEntry[], upTo = entries[entries.length - 1]?.id): void {
    if (upTo === undefined) return;
    this.wake(entries);
    const byTenant = new Map<string, ChangeEntry[]>();
    for (const entry of entries) {
      const list = byTenant.get(entry.tenant_id) ?? [];
      list.push(entry);
      byTenant.set(entry.tenant_id, list);
    }
    for (const [tenantId, list] of byTenant) {
      for (const listener of this.tenantListeners.get(tenantId) ?? []) {
        try {
          listener(list);
        } catch (e) {
          this.logger.error(`stream listener failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    this.cursor = upTo;
  }

  private wake(entries: ChangeEntry[]): void {
    for (const entry of entries) {
      if (entry.kind !== 'workflow.changed') continue;
      for (const wake of this.itemWatchers.get(itemKey(entry.tenant_id, entry.workflow_id)) ?? []) wake();
    }
  }
}

const itemKey = (tenantId: string, workflowId: string) => JSON.stringify([tenantId, workflowId]);

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, set: Set<V>, value: V): void {
  set.delete(value);
  if (!set.size && map.get(key) === set) map.delete(key);
}
