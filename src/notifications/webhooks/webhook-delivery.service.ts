import { Inject, Injectable, Logger } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { PrismaService } from '../../database/prisma.service';
import { MetricsService } from '../../observability/metrics.service';
import { NotificationRepository } from '../notification.repository';
import { ClaimedDelivery, webhookBody } from './webhook-delivery';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { endpointDisabledNotice } from './webhook-endpoint';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { decideAfterFailure, RetryPolicy } from './webhook-retry';
import { SecretUnreadableError, WebhookSecretBox } from './webhook-secret-box';
import { SendResult, WebhookSenderService } from './webhook-sender.service';

/** Added to the lease of a claim; a worker that died is retried after the lease. */
const LEASE_MARGIN_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * The webhook worker (SPEC §8): claims due deliveries, at most DG_WEBHOOK_CONCURRENCY in flight,
 * sends each signed per Standard Webhooks, and records every attempt. Its only state is the
 * attempts in flight and at most one batch of claims not yet started (given back on shutdown);
 * everything else is in the tables, so a restart loses nothing.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly inFlight = new Set<Promise<void>>();
  /** Claimed, not yet started (at most one batch). */
  private readonly ready: ClaimedDelivery[] = [];
  private pumping: Promise<void> | undefined;
  private wanted = false;
  private stopped = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly notifications: NotificationRepository,
    private readonly sender: WebhookSenderService,
    private readonly secrets: WebhookSecretBox,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Fills the free slots with due deliveries, and keeps refilling while it finds work (each
   * finished attempt asks again), so throughput does not wait for the poll interval.
   */
  pump(): Promise<void> {
    this.wanted = true;
    if (!this.pumping && !this.stopped) {
      this.pumping = this.fill()
        .catch((e: unknown) =>
          this.logger.warn(`claiming webhook deliveries failed: ${e instanceof Error ? e.message : String(e)}`),
        )
        .finally(() => (this.pumping = undefined));
    }
    return this.pumping ?? Promise.resolve();
  }

  /** Graceful shutdown: claim nothing more, let the attempts in flight finish and be recorded. */
  async drain(): Promise<void> {
    this.stopped = true;
    await this.pumping;
    const unstarted = this.ready.splice(0);
    if (unstarted.length) await this.deliveries.release(this.prisma, unstarted, this.clock.now());
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Claims a full batch (DG_WEBHOOK_CONCURRENCY) whenever the local queue is empty and a slot is
   * free: what does not fit at once waits in `ready` for the next free slot, so a busy worker
   * makes about one claim per batch instead of one per delivery.
   */
  private async fill(): Promise<void> {
    const batch = this.config.webhooks.concurrency;
    while (this.wanted && !this.stopped) {
      this.wanted = false;
      let more = true;
      while (!this.stopped) {
        this.startReady();
        if (!more || this.ready.length || this.inFlight.size >= batch) break;
        const now = this.clock.now();
        const claimed = await this.deliveries.claimDue(
          this.prisma,
          now,
          new Date(now.getTime() + this.leaseMs()),
          batch,
        );
        this.ready.push(...claimed);
        more = claimed.length === batch;
      }
    }
  }

  private startReady(): void {
    while (!this.stopped && this.ready.length && this.inFlight.size < this.config.webhooks.concurrency) {
      this.start(this.ready.shift() as ClaimedDelivery);
    }
  }

  /** A claim waits at most one attempt in `ready`, then takes at most one attempt; a dead worker's is retried after. */
  private leaseMs(): number {
    return 2 * this.config.webhooks.timeoutMs + LEASE_MARGIN_MS;
  }

  private start(claim: ClaimedDelivery): void {
    const attempt: Promise<void> = this.attempt(claim)
      .catch((e: unknown) =>
        this.logger.error(
          `webhook delivery ${claim.delivery_id} attempt ${claim.attempt_number} not recorded: ${e instanceof Error ? e.message : String(e)}`,
        ),
      )
      .finally(() => {
        this.inFlight.delete(attempt);
        void this.pump();
      });
    this.inFlight.add(attempt);
  }

  /** One attempt of a claimed delivery, recorded whatever happens. */
  async attempt(claim: ClaimedDelivery): Promise<void> {
    const startedAt = this.clock.now();
    const body = webhookBody(claim.notification);
    let secrets: string[];
    try {
      secrets = this.signingSecrets(claim, startedAt);
    } catch (e) {
      // Not sent unsigned: recorded as a failed attempt, retried like one (a key may be configured meanwhile).
      const error = e instanceof SecretUnreadableError ? e.message : 'webhook secret cannot be read';
      await this.record(claim, startedAt, { response_status: null, response_body: null, error, duration_ms: 0 });
      return;
    }
    const headers = {
      'webhook-id': claim.delivery_id,
      'webhook-timestamp': String(Math.floor(startedAt.getTime() / 1000)),
      // Several space-separated signatures (Standard Webhooks): the current secret's, then during a
      // rotation's overlap the previous one's, so a receiver on either secret verifies.
      'webhook-signature': secrets.map((s) => new Webhook(s).sign(claim.delivery_id, startedAt, body)).join(' '),
    };
    const sent = await this.sender.post(claim.url, headers, body);
    await this.record(claim, startedAt, sent);
  }

  private signingSecrets(claim: ClaimedDelivery, at: Date): string[] {
    const secrets = [this.secrets.open(claim.tenant_id, claim.endpoint_id, claim.secret)];
    if (claim.previous_secret && claim.previous_secret_expires_at && claim.previous_secret_expires_at > at)
      secrets.push(this.secrets.open(claim.tenant_id, claim.endpoint_id, claim.previous_secret));
    return secrets;
  }

  private async record(claim: ClaimedDelivery, startedAt: Date, sent: SendResult): Promise<void> {
    const now = this.clock.now();
    const result = { ...sent, started_at: startedAt };
    if (sent.response_status !== null && sent.response_status >= 200 && sent.response_status < 300) {
      await this.deliveries.recordSuccess(this.prisma, claim, result, now);
      this.metrics.webhookDeliveries.inc({ outcome: 'succeeded' });
      return;
    }
    const decision = decideAfterFailure(claim.attempt_number, claim.first_attempt_at, now, this.retryPolicy());
    const endpoint = await this.deliveries.recordFailure(
      this.prisma,
      claim,
      result,
      decision.giveUp ? null : decision.nextAttemptAt,
      now,
    );
    this.metrics.webhookDeliveries.inc({ outcome: decision.giveUp ? 'failed' : 'retrying' });
    if (decision.giveUp)
      this.logger.warn(`webhook delivery ${claim.delivery_id} failed after ${claim.attempt_number} attempt(s)`);
    const { disableAfterFailures, disableAfterHours } = this.config.webhooks;
    const failingBefore = new Date(now.getTime() - disableAfterHours * HOUR_MS);
    if (
      endpoint?.enabled &&
      endpoint.consecutive_failures >= disableAfterFailures &&
      endpoint.failing_since <= failingBefore
    ) {
      await this.disableEndpoint(claim.tenant_id, claim.endpoint_id, failingBefore, now);
    }
  }

  /**
   * The plain rule: an endpoint is disabled when its last DG_WEBHOOK_DISABLE_AFTER_FAILURES
   * attempts all failed and the first of them is at least DG_WEBHOOK_DISABLE_AFTER_HOURS old.
   * One transaction disables it and writes the `failure` notification (which other endpoints of
   * the tenant receive like any other).
   */
  private async disableEndpoint(tenantId: string, endpointId: string, failingBefore: Date, now: Date): Promise<void> {
    const { disableAfterFailures, disableAfterHours } = this.config.webhooks;
    await this.prisma.$transaction(async (tx) => {
      const reason = `disabled automatically: ${disableAfterFailures} or more consecutive failed attempts over ${disableAfterHours} h or more`;
      const disabled = await this.endpoints.disableIfFailing(
        tx,
        tenantId,
        endpointId,
        disableAfterFailures,
        failingBefore,
        reason,
        now,
      );
      if (!disabled) return;
      const notice = endpointDisabledNotice(
        endpointId,
        disabled.disabled_count,
        disabled.consecutive_failures,
        disabled.failing_since,
      );
      await this.notifications.insertNew(tx, tenantId, [notice], now);
      this.logger.warn(
        `webhook endpoint ${endpointId} of tenant ${tenantId} disabled after ${disabled.consecutive_failures} consecutive failed attempts`,
      );
    });
  }

  private retryPolicy(): RetryPolicy {
    const { retryBaseMs, retryMaxMs, retryHours } = this.config.webhooks;
    return { baseMs: retryBaseMs, maxMs: retryMaxMs, windowMs: retryHours * HOUR_MS };
  }
}
