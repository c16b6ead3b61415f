import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import { Principal } from '../auth/principal';
import { AccountSlots } from '../common/account-slots';
import { DomainError } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PrismaService } from '../database/prisma.service';
import { GracefulShutdownService } from '../observability/graceful-shutdown.service';
import type { ChangeEntry } from './change-entry';
import { ChangeFeedService } from './change-feed.service';
import { ChangeStreamRepository } from './change-stream.repository';

const RESUME_PAGE = 500;
/** A client this far behind is disconnected; it resumes from the table with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** What EventSource clients wait before reconnecting. */
const RETRY_MS = 2000;

/** One Server-Sent Event (the data is JSON on one line). */
export function sseFrame(entry: ChangeEntry): string {
  return `id: ${entry.id}\nevent: ${entry.kind}\ndata: ${JSON.stringify(entry.data)}\n\n`;
}

/**
 * SPEC §17's event stream: a tenant's `workflow.changed` and `notification.created` entries as
 * Server-Sent Events with their stream ids. A `Last-Event-ID` resume reads what was missed from
 * dg_change_stream, then the connection follows ChangeFeedService live (entries arriving during the
 * catch-up wait in a buffer), so nothing is missed or sent twice. Comment lines keep it open.
 */
@Injectable()
export class EventStreamService implements OnModuleDestroy {
  private readonly logger = new Logger(EventStreamService.name);
  private readonly slots: AccountSlots;
  private readonly connections = new Set<Response>();
  private readonly offDrain: () => void;

  constructor(
    private readonly prisma: PrismaService,
    private readonly feed: ChangeFeedService,
    private readonly repository: ChangeStreamRepository,
    shutdown: GracefulShutdownService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.slots = new AccountSlots(config.agents.streamMaxConnectionsPerAccount, 'open event streams');
    this.offDrain = shutdown.onDrain(() => this.endAll());
  }

  onModuleDestroy(): void {
    this.offDrain();
    this.endAll();
  }

  /** Starts the stream on `res`; refuses (before any byte is sent) a bad Last-Event-ID or one stream too many. */
  async open(principal: Principal, lastEventId: string | undefined, res: Response): Promise<void> {
    const resumeAfter = parseLastEventId(lastEventId);
    const release = this.slots.acquire(principal.accountId);
    let lastSent = 0;
    let live = false;
    const buffered: ChangeEntry[] = [];
    // Nothing is written once the response ended (a slow client cut off) or its client left.
    const writable = () => !res.writableEnded && !res.destroyed;
    const send = (entries: ChangeEntry[]) => {
      for (const entry of entries) {
        if (entry.id <= lastSent || !writable()) continue;
        res.write(sseFrame(entry));
        lastSent = entry.id;
      }
      if (writable() && res.writableLength > MAX_BUFFERED_BYTES) res.end();
    };
    let subscription: Awaited<ReturnType<ChangeFeedService['subscribe']>>;
    try {
      subscription = await this.feed.subscribe(principal.tenantId, (entries) =>
        live ? send(entries) : buffered.push(...entries),
      );
    } catch (e) {
      release();
      throw e;
    }
    lastSent = resumeAfter ?? subscription.from;
    const heartbeat = setInterval(
      () => writable() && res.write(': heartbeat\n\n'),
      this.config.agents.streamHeartbeatMs,
    );
    // A write racing the client's disconnect reports here; the 'close' below cleans up.
    res.on('error', () => undefined);
    this.connections.add(res);
    res.once('close', () => {
      clearInterval(heartbeat);
      subscription.unsubscribe();
      this.connections.delete(res);
      release();
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n: connected\n\n`);
    try {
      await this.catchUp(principal.tenantId, lastSent, subscription.from, res, send);
    } catch (e) {
      this.logger.warn(`stream resume failed: ${e instanceof Error ? e.message : String(e)}`);
      res.end();
      return;
    }
    send(buffered.splice(0));
    live = true;
  }

  /** Sends the tenant's entries in (after, upTo] from the table, a page at a time, minding backpressure. */
  private async catchUp(
    tenantId: string,
    after: number,
    upTo: number,
    res: Response,
    send: (entries: ChangeEntry[]) => void,
  ): Promise<void> {
    let cursor = after;
    while (cursor < upTo && !res.writableEnded && !res.destroyed) {
      const page = await this.repository.readTenant(this.prisma, tenantId, cursor, upTo, RESUME_PAGE);
      if (!page.length) return;
      send(page);
      cursor = page[page.length - 1].id;
      if (res.writableNeedDrain) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
    }
  }

  private endAll(): void {
    for (const res of this.connections) if (!res.writableEnded) res.end();
  }
}

function parseLastEventId(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (!/^\d{1,15}$/.test(value))
    throw new DomainError('invalid_argument', 'Last-Event-ID must be an event id this stream sent');
  return Number(value);
}
