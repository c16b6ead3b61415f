import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ChangeFeedService } from './change-feed.service';
import { ChangeStreamRetentionService } from './change-stream-retention.service';

const POLL = 'change-stream-poll';
const PRUNE = 'change-stream-prune';
const PRUNE_INTERVAL_MS = 5 * 60_000;
const START_WAIT_MS = 15_000;

/**
 * Thin: starts the change feed, reads the stream every DG_CHANGE_POLL_INTERVAL_MS whether or not a
 * notification came (the backstop), and prunes it every five minutes.
 */
@Injectable()
export class ChangeStreamScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChangeStreamScheduler.name);
  private pruning: Promise<void> | undefined;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly feed: ChangeFeedService,
    private readonly retention: ChangeStreamRetentionService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Bounded, so that an unreachable database does not hold the start-up (the feed keeps retrying).
    await Promise.race([this.feed.start(), new Promise((resolve) => setTimeout(resolve, START_WAIT_MS).unref())]);
    this.registry.addInterval(
      POLL,
      setInterval(() => this.feed.poll(), this.config.agents.changePollIntervalMs),
    );
    this.registry.addInterval(
      PRUNE,
      setInterval(() => this.prune(), PRUNE_INTERVAL_MS),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const name of [POLL, PRUNE]) if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
    this.feed.stop();
    await this.pruning;
  }

  private prune(): void {
    if (this.pruning) return;
    this.pruning = this.retention
      .prune(this.clock.now())
      .then(
        () => undefined,
        (e: unknown) => this.logger.warn(`change stream prune failed: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => (this.pruning = undefined));
  }
}
