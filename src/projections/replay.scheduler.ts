import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ReplayRunnerService } from './replay-runner.service';

const WORKER = 'replay-worker';

/** Thin: every DG_REPLAY_POLL_INTERVAL_MS, runs the due replay runs; never two drains at once. */
@Injectable()
export class ReplayScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReplayScheduler.name);
  private running: Promise<void> | undefined;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly runner: ReplayRunnerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.replay.workerEnabled) return;
    this.registry.addInterval(
      WORKER,
      setInterval(() => this.tick(), this.config.replay.pollIntervalMs),
    );
  }

  /** Graceful shutdown: no new batch starts after the running one; its lease lets another instance go on. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', WORKER)) this.registry.deleteInterval(WORKER);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.runner
      .drain()
      .then(
        () => undefined,
        (e: unknown) => this.logger.error(`Replay worker failed: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => (this.running = undefined));
  }
}
