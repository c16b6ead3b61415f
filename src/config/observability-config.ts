import { ConfigError, Env, readEnum, readInt, readString } from './env-parsers';

/** pino's level names; Nest's are accepted too (`log` = info, `verbose` = trace). */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type ObservabilityConfig = {
  logLevel: LogLevel;
  /** After SIGTERM, how long requests in flight may take before their connections are closed. */
  shutdownGraceMs: number;
  /** At most this many tenants (those with the most open items) get inbox gauges of their own. */
  inboxMetricsTenants: number;
  /** How long one read of the inbox gauges serves scrapes (0: each scrape reads, concurrent ones share). */
  inboxMetricsCacheMs: number;
  /** Bearer token that unlocks per-tenant series on /metrics; unset, no scrape shows tenant ids. */
  metricsToken: string | undefined;
};

/** Long enough that it cannot be guessed in the time a scrape takes. */
const MIN_METRICS_TOKEN_LENGTH = 16;

export function loadObservabilityConfig(env: Env): ObservabilityConfig {
  const level = readEnum(env, 'DG_LOG_LEVEL', [...LOG_LEVELS, 'log', 'verbose'], 'info');
  return {
    logLevel: level === 'log' ? 'info' : level === 'verbose' ? 'trace' : level,
    shutdownGraceMs: readInt(env, 'DG_SHUTDOWN_GRACE_MS', 15_000, 0, 600_000),
    inboxMetricsTenants: readInt(env, 'DG_METRICS_INBOX_TENANTS', 100, 0, 10_000),
    inboxMetricsCacheMs: readInt(env, 'DG_METRICS_INBOX_CACHE_SECONDS', 15, 0, 3_600) * 1000,
    metricsToken: readMetricsToken(env),
  };
}

function readMetricsToken(env: Env): string | undefined {
  const token = readString(env, 'DG_METRICS_TOKEN');
  if (token !== undefined && (token.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(token))) {
    throw new ConfigError('DG_METRICS_TOKEN', `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters without spaces`);
  }
  return token;
}
