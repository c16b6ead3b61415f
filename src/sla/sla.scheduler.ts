import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SlaSweepService } from './sla-sweep.service';

const SWEEP = 'sla-sweep';

/** Thin: every DG_SLA_SWEEP_INTERVAL_SECONDS, one sweep at `clock.now()`, never two at once. */
@Injectable()
export class SlaScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SlaScheduler.name);
  private running: Promise<void> | undefined;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly sweeps: SlaSweepService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => this.tick(), this.config.workflow.slaSweepIntervalSeconds * 1000);
    this.registry.addInterval(SWEEP, timer);
  }

  /** Graceful shutdown: no new sweep starts, the running one finishes. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', SWEEP)) this.registry.deleteInterval(SWEEP);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.sweeps
      .sweep(this.clock.now())
      .then(
        () => undefined,
        (e: unknown) => this.logger.error(`SLA sweep failed: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => (this.running = undefined));
  }
}
