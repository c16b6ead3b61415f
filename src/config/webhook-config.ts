import { Env, readBool, readInt } from './env-parsers';

/** Settings of outbound webhook delivery (SPEC §8, "Outbound delivery"). */
export type WebhookConfig = {
  /** Run the delivery worker in this instance (an instance without it still queues deliveries). */
  deliveryEnabled: boolean;
  /** How often the worker looks for due deliveries when it is idle. */
  pollIntervalMs: number;
  /** Whole-attempt timeout: connect, send, response headers and the body we read. */
  timeoutMs: number;
  /** Attempts in flight at once, per service instance. */
  concurrency: number;
  /** A failing delivery is retried until this long after its first attempt, then given up. */
  retryHours: number;
  /** Backoff: the ceiling of step n is min(retryMaxMs, retryBaseMs × 2^(n−1)); full jitter below it. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** An endpoint is disabled when this many attempts in a row failed … */
  disableAfterFailures: number;
  /** … and the first of them is at least this old. */
  disableAfterHours: number;
  /** Allow endpoints on private, loopback, link-local and unspecified addresses (development, tests). */
  allowPrivateAddresses: boolean;
};

export function loadWebhookConfig(env: Env): WebhookConfig {
  return {
    deliveryEnabled: readBool(env, 'DG_WEBHOOK_DELIVERY_ENABLED', true),
    pollIntervalMs: readInt(env, 'DG_WEBHOOK_POLL_INTERVAL_MS', 1000, 10, 3_600_000),
    timeoutMs: readInt(env, 'DG_WEBHOOK_TIMEOUT_MS', 10_000, 100, 300_000),
    concurrency: readInt(env, 'DG_WEBHOOK_CONCURRENCY', 4, 1, 256),
    retryHours: readInt(env, 'DG_WEBHOOK_RETRY_HOURS', 24, 0, 8_760),
    retryBaseMs: readInt(env, 'DG_WEBHOOK_RETRY_BASE_MS', 5_000, 1, 86_400_000),
    retryMaxMs: readInt(env, 'DG_WEBHOOK_RETRY_MAX_MS', 3_600_000, 1, 86_400_000),
    disableAfterFailures: readInt(env, 'DG_WEBHOOK_DISABLE_AFTER_FAILURES', 50, 1, 1_000_000),
    disableAfterHours: readInt(env, 'DG_WEBHOOK_DISABLE_AFTER_HOURS', 24, 0, 8_760),
    allowPrivateAddresses: readBool(env, 'DG_WEBHOOK_ALLOW_PRIVATE', false),
  };
}
