import { loadAgentsConfig } from './agents-config';
import { ConfigError } from './env-parsers';

describe(loadAgentsConfig.name, () => {
  it('has defaults', () => {
    expect(loadAgentsConfig({})).toEqual({
      longPollMaxWaitersPerAccount: 50,
      streamMaxConnectionsPerAccount: 10,
      streamHeartbeatMs: 15_000,
      streamRetentionMinutes: 120,
      changePollIntervalMs: 5_000,
      publicUrl: null,
    });
  });

  it('keeps the public URL without a trailing slash', () => {
    expect(loadAgentsConfig({ DG_PUBLIC_URL: 'https://dg.example.com/' }).publicUrl).toBe('https://dg.example.com');
  });

  it.each([
    ['DG_PUBLIC_URL', 'dg.example.com'],
    ['DG_PUBLIC_URL', 'ftp://dg.example.com'],
    ['DG_STREAM_HEARTBEAT_MS', '20000'],
    ['DG_STREAM_RETENTION_MINUTES', '30'],
    ['DG_LONG_POLL_MAX_WAITERS_PER_ACCOUNT', '0'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadAgentsConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadAgentsConfig({ [name]: value })).toThrow(name);
  });
});
