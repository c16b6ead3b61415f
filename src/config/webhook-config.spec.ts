import { ConfigError } from './env-parsers';
import { loadWebhookConfig } from './webhook-config';

describe(loadWebhookConfig.name, () => {
  it('defaults to delivery on, 1 s polls, 10 s timeouts, 4 in flight, 24 h of retries and public addresses only', () => {
    expect(loadWebhookConfig({})).toEqual({
      deliveryEnabled: true,
      pollIntervalMs: 1000,
      timeoutMs: 10_000,
      concurrency: 4,
      retryHours: 24,
      retryBaseMs: 5000,
      retryMaxMs: 3_600_000,
      disableAfterFailures: 50,
      disableAfterHours: 24,
      allowPrivateAddresses: false,
    });
  });

  it('reads every setting', () => {
    const config = loadWebhookConfig({
      DG_WEBHOOK_DELIVERY_ENABLED: 'false',
      DG_WEBHOOK_POLL_INTERVAL_MS: '50',
      DG_WEBHOOK_TIMEOUT_MS: '2500',
      DG_WEBHOOK_CONCURRENCY: '16',
      DG_WEBHOOK_RETRY_HOURS: '72',
      DG_WEBHOOK_RETRY_BASE_MS: '20',
      DG_WEBHOOK_RETRY_MAX_MS: '200',
      DG_WEBHOOK_DISABLE_AFTER_FAILURES: '3',
      DG_WEBHOOK_DISABLE_AFTER_HOURS: '0',
      DG_WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    expect(config).toMatchObject({
      deliveryEnabled: false,
      pollIntervalMs: 50,
      concurrency: 16,
      retryHours: 72,
      disableAfterHours: 0,
      allowPrivateAddresses: true,
    });
  });

  it.each([
    ['DG_WEBHOOK_CONCURRENCY', '0'],
    ['DG_WEBHOOK_TIMEOUT_MS', '10s'],
    ['DG_WEBHOOK_POLL_INTERVAL_MS', '1'],
    ['DG_WEBHOOK_ALLOW_PRIVATE', 'maybe'],
    ['DG_WEBHOOK_DISABLE_AFTER_FAILURES', '0'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadWebhookConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadWebhookConfig({ [name]: value })).toThrow(name);
  });
});
