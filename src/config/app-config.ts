import { AgentsConfig, loadAgentsConfig } from './agents-config';
import { ConsoleConfig, loadConsoleConfig } from './console-config';
import { DatabaseConfig, loadDatabaseConfig } from './database-config';
import { Env, readEnum, readInt, readString } from './env-parsers';
import { ExportSigningConfig, loadExportSigningConfig } from './export-config';
import { loadObservabilityConfig, ObservabilityConfig } from './observability-config';
import { loadOidcConfig, OidcConfig } from './oidc-config';
import { loadServiceAccounts, ServiceAccountsConfig } from './service-accounts.config';
import { readTrustProxy, TrustProxy } from './trust-proxy';
import { loadReplayConfig, ReplayConfig } from './replay-config';
import { loadWebhookConfig, WebhookConfig } from './webhook-config';
import { loadWebhookSecretConfig, WebhookSecretConfig } from './webhook-secret-config';
import { loadWorkflowConfig, WorkflowConfig } from './workflow-config';

export type RateLimitConfig = {
  readPerMinute: number;
  writePerMinute: number;
  adminPerMinute: number;
  authFailuresPerMinute: number;
  /** Requests to a protected route without credentials (none, or another scheme), per client address. */
  unauthenticatedPerMinute: number;
  /** An account on every tenant (`*`) gets this many times a scope's budget across all tenants together. */
  allTenantsMultiplier: number;
};

export type AppConfig = {
  nodeEnv: 'development' | 'production' | 'test';
  production: boolean;
  host: string;
  port: number;
  bodyLimitBytes: number;
  trustProxy: TrustProxy;
  observability: ObservabilityConfig;
  database: DatabaseConfig;
  auth: ServiceAccountsConfig;
  /** OIDC access tokens (SPEC §12); null when DG_OIDC_ISSUER is unset. */
  oidc: OidcConfig | null;
  rateLimits: RateLimitConfig;
  workflow: WorkflowConfig;
  webhooks: WebhookConfig;
  replay: ReplayConfig;
  exportSigning: ExportSigningConfig;
  /** The key that encrypts webhook signing secrets at rest (SPEC §15). */
  webhookSecrets: WebhookSecretConfig;
  agents: AgentsConfig;
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
    trustProxy: readTrustProxy(env),
    observability: loadObservabilityConfig(env),
    database: loadDatabaseConfig(env),
    auth: loadServiceAccounts(env, production),
    oidc: loadOidcConfig(env, production),
    rateLimits: {
      readPerMinute: readInt(env, 'DG_RATE_LIMIT_READ_PER_MINUTE', 600, 1),
      writePerMinute: readInt(env, 'DG_RATE_LIMIT_WRITE_PER_MINUTE', 300, 1),
      adminPerMinute: readInt(env, 'DG_RATE_LIMIT_ADMIN_PER_MINUTE', 60, 1),
      authFailuresPerMinute: readInt(env, 'DG_AUTH_FAILURE_LIMIT_PER_MINUTE', 30, 1),
      unauthenticatedPerMinute: readInt(env, 'DG_UNAUTHENTICATED_LIMIT_PER_MINUTE', 300, 1),
      allTenantsMultiplier: readInt(env, 'DG_RATE_LIMIT_ALL_TENANTS_MULTIPLIER', 10, 1, 1_000_000),
    },
    workflow: loadWorkflowConfig(env),
    webhooks: loadWebhookConfig(env),
    replay: loadReplayConfig(env),
    exportSigning: loadExportSigningConfig(env, production),
    webhookSecrets: loadWebhookSecretConfig(env, production),
    agents: loadAgentsConfig(env),
    console: loadConsoleConfig(env),
  };
}

/** The environment with some settings replaced (tooling that must not touch the real database). */
export function loadConfigWith(overrides: Env): AppConfig {
  return loadConfig({ ...process.env, ...overrides });
}
