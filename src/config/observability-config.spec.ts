import { ConfigError } from './env-parsers';
import { loadObservabilityConfig } from './observability-config';

describe(loadObservabilityConfig.name, () => {
  it('logs at info, gives requests 15 s after SIGTERM and inbox gauges to 100 tenants by default', () => {
    expect(loadObservabilityConfig({})).toEqual({
      logLevel: 'info',
      shutdownGraceMs: 15_000,
      inboxMetricsTenants: 100,
    });
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
  ])('refuses %j, naming the variable', (env, variable) => {
    expect(() => loadObservabilityConfig(env)).toThrow(ConfigError);
    expect(() => loadObservabilityConfig(env)).toThrow(variable);
  });
});
