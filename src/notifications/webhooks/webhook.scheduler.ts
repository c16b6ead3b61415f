import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { WebhookDeliveryService } from './webhook-delivery.service';

const POLL = 'webhook-delivery';

/**
 * Thin: every DG_WEBHOOK_POLL_INTERVAL_MS, let the delivery worker look for due deliveries
 * (unless DG_WEBHOOK_DELIVERY_ENABLED=false).
 */
@Injectable()
export class WebhookScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly deliveries: WebhookDeliveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.webhooks.deliveryEnabled) return;
    const timer = setInterval(() => void this.deliveries.pump(), this.config.webhooks.pollIntervalMs);
    this.registry.addInterval(POLL, timer);
  }

  /**
   * Graceful shutdown: stop polling, let the attempts in flight finish and be recorded (the
   * database closes last, in PrismaService's onApplicationShutdown). onModuleDestroy, because Nest
   * destroys a module's providers dependents first: this drain ends before WebhookSenderService's
   * onModuleDestroy closes the sockets the attempts use.
   */
  async onModuleDestroy(): Promise<void> {
    if (this.registry.doesExist('interval', POLL)) this.registry.deleteInterval(POLL);
    await this.deliveries.drain();
  }
}
