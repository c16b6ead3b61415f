import { ConfigError } from './env-parsers';
import { loadObservabilityConfig } from './observability-config';

describe(loadObservabilityConfig.name, () => {
  it('logs at info, gives requests 15 s after SIGTERM and inbox gauges to 100 tenants by default', () => {
    expect(loadObservabilityConfig({})).toEqual({
      logLevel: 'info',
      shutdownGraceMs: 15_000,
      inboxMetricsTenants: 100,
      inboxMetricsCacheMs: 15_000,
      metricsToken: undefined,
    });
  });

  it('reads the metrics token and the inbox gauges cache', () => {
    const config = loadObservabilityConfig({
      DG_METRICS_TOKEN: 'scrape-token-0123456789',
      DG_METRICS_INBOX_CACHE_SECONDS: '0',
    });
    expect(config).toMatchObject({ metricsToken: 'scrape-token-0123456789', inboxMetricsCacheMs: 0 });
  });

  it("takes pino's level names and Nest's", () => {
    expect(loadObservabilityConfig({ DG_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(loadObservabilityConfig({ DG_LOG_LEVEL: 'silent' }).logLevel).toBe('silent');
    expect(loadObservabilityConfig({ DG_LOG_LEVEL: 'log' }).logLevel).toBe('info');
    expect(loadObservabilityConfig({ DG_LOG_LEVEL: 'verbose' }).logLevel).toBe('trace');
  });

  it.each([
    [{ DG_LOG_LEVEL: 'loud' }, 'DG_LOG_LEVEL'],
    [{ DG_SHUTDOWN_GRACE_MS: 'soon' }, 'DG_SHUTDOWN_GRACE_MS'],
    [{ DG_SHUTDOWN_GRACE_MS: '-1' }, 'DG_SHUTDOWN_GRACE_MS'],
    [{ DG_METRICS_INBOX_TENANTS: '20000' }, 'DG_METRICS_INBOX_TENANTS'],
    [{ DG_METRICS_TOKEN: 'short' }, 'DG_METRICS_TOKEN'],
    [{ DG_METRICS_TOKEN: 'a token with spaces inside' }, 'DG_METRICS_TOKEN'],
    [{ DG_METRICS_INBOX_CACHE_SECONDS: '-1' }, 'DG_METRICS_INBOX_CACHE_SECONDS'],
  ])('refuses %j, naming the variable', (env, variable) => {
    expect(() => loadObservabilityConfig(env)).toThrow(ConfigError);
    expect(() => loadObservabilityConfig(env)).toThrow(variable);
  });
});
