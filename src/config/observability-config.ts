import { Env, readEnum, readInt } from './env-parsers';

/** pino's level names; Nest's are accepted too (`log` = info, `verbose` = trace). */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type ObservabilityConfig = {
  logLevel: LogLevel;
  /** After SIGTERM, how long requests in flight may take before their connections are closed. */
  shutdownGraceMs: number;
  /** At most this many tenants (those with the most open items) get inbox gauges of their own. */
  inboxMetricsTenants: number;
};

export function loadObservabilityConfig(env: Env): ObservabilityConfig {
  const level = readEnum(env, 'DG_LOG_LEVEL', [...LOG_LEVELS, 'log', 'verbose'], 'info');
  return {
    logLevel: level === 'log' ? 'info' : level === 'verbose' ? 'trace' : level,
    shutdownGraceMs: readInt(env, 'DG_SHUTDOWN_GRACE_MS', 15_000, 0, 600_000),
    inboxMetricsTenants: readInt(env, 'DG_METRICS_INBOX_TENANTS', 100, 0, 10_000),
  };
}
