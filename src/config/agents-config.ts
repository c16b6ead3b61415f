import { ConfigError, Env, readInt, readString } from './env-parsers';

/** Settings of the ways agents wait for people (SPEC §17): the decision long poll, the event stream, MCP. */
export type AgentsConfig = {
  /** Decision long polls one account may have waiting at once in one instance (429 beyond). */
  longPollMaxWaitersPerAccount: number;
  /** Event-stream connections one account may hold open at once in one instance (429 beyond). */
  streamMaxConnectionsPerAccount: number;
  /** A comment line is written on every open stream this often, so that proxies keep it open. */
  streamHeartbeatMs: number;
  /** Stream entries are kept this long for Last-Event-ID resumes, then pruned. */
  streamRetentionMinutes: number;
  /** How often an instance reads the change stream without a database notification (the backstop). */
  changePollIntervalMs: number;
  /** The service's public base URL (`https://dg.example.com`), for the console links MCP returns; else paths. */
  publicUrl: string | null;
};

export function loadAgentsConfig(env: Env): AgentsConfig {
  return {
    longPollMaxWaitersPerAccount: readInt(env, 'DG_LONG_POLL_MAX_WAITERS_PER_ACCOUNT', 50, 1, 100_000),
    streamMaxConnectionsPerAccount: readInt(env, 'DG_STREAM_MAX_CONNECTIONS_PER_ACCOUNT', 10, 1, 100_000),
    streamHeartbeatMs: readInt(env, 'DG_STREAM_HEARTBEAT_MS', 15_000, 10, 15_000),
    streamRetentionMinutes: readInt(env, 'DG_STREAM_RETENTION_MINUTES', 120, 60, 10_080),
    changePollIntervalMs: readInt(env, 'DG_CHANGE_POLL_INTERVAL_MS', 5_000, 10, 60_000),
    publicUrl: readPublicUrl(env),
  };
}

function readPublicUrl(env: Env): string | null {
  const value = readString(env, 'DG_PUBLIC_URL');
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('DG_PUBLIC_URL', `must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError('DG_PUBLIC_URL', `must be an absolute http(s) URL, got "${value}"`);
  return url.toString().replace(/\/+$/, '');
}
