import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PrismaService } from '../database/prisma.service';

/** The channel the change-stream triggers notify at commit (migration 20261207122627_change_stream). */
export const CHANGE_CHANNEL = 'dg_change_stream';
const RECONNECT_FIRST_MS = 200;
const RECONNECT_MAX_MS = 10_000;

/**
 * Tells this instance that the change stream has grown, on any replica: on PostgreSQL one
 * dedicated LISTEN connection (outside the pool, reconnected with backoff), on embedded PGlite
 * the database's own listen(). Only a hint: ChangeFeedService reads the rows, and also polls.
 */
@Injectable()
export class ChangeSignalService implements OnApplicationShutdown {
  private readonly logger = new Logger(ChangeSignalService.name);
  /** The newest connection, connected or connecting. */
  private client: Client | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = RECONNECT_FIRST_MS;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Calls `onSignal` for every notification, and once after each (re)connection (changes may have been missed). */
  async start(onSignal: () => void): Promise<void> {
    const pglite = this.prisma.handle.pglite;
    if (pglite) {
      this.unlisten = await pglite.listen(CHANGE_CHANNEL, () => onSignal());
      return;
    }
    await this.connect(onSignal);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.unlisten?.().catch(() => undefined);
  }

  private async connect(onSignal: () => void): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.database.url, application_name: 'decisiongraph-listen' });
    this.client = client;
    client.on('notification', () => onSignal());
    client.on('error', (e) => this.lost(client, onSignal, e));
    client.on('end', () => this.lost(client, onSignal));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (e) {
      this.lost(client, onSignal, e);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.backoffMs = RECONNECT_FIRST_MS;
    onSignal();
  }

  private lost(client: Client, onSignal: () => void, e?: unknown): void {
    // Only the newest client counts: a replaced one may still report its end.
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.retryTimer) return;
    this.logger.warn(
      `change notifications lost${e instanceof Error ? `: ${e.message}` : ''}; reconnecting in ${this.backoffMs} ms`,
    );
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect(onSignal);
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
  }
}
