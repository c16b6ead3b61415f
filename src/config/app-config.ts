import { ConsoleConfig, loadConsoleConfig } from './console-config';
import { DatabaseConfig, loadDatabaseConfig } from './database-config';
import { Env, readBool, readEnum, readInt, readString } from './env-parsers';
import { ExportSigningConfig, loadExportSigningConfig } from './export-config';
import { loadObservabilityConfig, ObservabilityConfig } from './observability-config';
import { loadServiceAccounts, ServiceAccountsConfig } from './service-accounts.config';
import { loadWebhookConfig, WebhookConfig } from './webhook-config';
import { loadWorkflowConfig, WorkflowConfig } from './workflow-config';

export type RateLimitConfig = {
  readPerMinute: number;
  writePerMinute: number;
  adminPerMinute: number;
  authFailuresPerMinute: number;
};

export type AppConfig = {
  nodeEnv: 'development' | 'production' | 'test';
  production: boolean;
  host: string;
  port: number;
  bodyLimitBytes: number;
  trustProxy: boolean;
  observability: ObservabilityConfig;
  database: DatabaseConfig;
  auth: ServiceAccountsConfig;
  rateLimits: RateLimitConfig;
  workflow: WorkflowConfig;
  webhooks: WebhookConfig;
  exportSigning: ExportSigningConfig;
  console: ConsoleConfig;
};

/** The one place that reads process.env for the service; throws ConfigError naming the variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = readEnum(env, 'NODE_ENV', ['development', 'production', 'test'], 'development');
  const production = nodeEnv === 'production';
  return {
    nodeEnv,
    production,
    host: readString(env, 'HOST', '0.0.0.0'),
    port: readInt(env, 'PORT', 3000, 0, 65535),
    bodyLimitBytes: readInt(env, 'DG_BODY_LIMIT_BYTES', 1024 * 1024, 1024),
    trustProxy: readBool(env, 'DG_TRUST_PROXY', false),
    observability: loadObservabilityConfig(env),
    database: loadDatabaseConfig(env),
    auth: loadServiceAccounts(env, production),
    rateLimits: {
      readPerMinute: readInt(env, 'DG_RATE_LIMIT_READ_PER_MINUTE', 600, 1),
      writePerMinute: readInt(env, 'DG_RATE_LIMIT_WRITE_PER_MINUTE', 300, 1),
      adminPerMinute: readInt(env, 'DG_RATE_LIMIT_ADMIN_PER_MINUTE', 60, 1),
      authFailuresPerMinute: readInt(env, 'DG_AUTH_FAILURE_LIMIT_PER_MINUTE', 30, 1),
    },
    workflow: loadWorkflowConfig(env),
    webhooks: loadWebhookConfig(env),
    exportSigning: loadExportSigningConfig(env, production),
    console: loadConsoleConfig(env),
  };
}

/** The environment with some settings replaced (tooling that must not touch the real database). */
export function loadConfigWith(overrides: Env): AppConfig {
  return loadConfig({ ...process.env, ...overrides });
}
