import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadConfig } from './app-config';
import { ConfigError } from './env-parsers';

const HASH = `sha256:${'a'.repeat(64)}`;
const account = (extra: object = {}) =>
  JSON.stringify([
    { account_id: 'ops', roles: ['admin'], tenant_ids: ['*'], permissions: ['*'], tokens: [{ hash: HASH }], ...extra },
  ]);

describe(loadConfig.name, () => {
  it('defaults to the embedded database in ./var/pgdata, migrated on start', () => {
    const config = loadConfig({});
    expect(config.database).toMatchObject({ url: 'pglite:./var/pgdata', kind: 'pglite', migrateOnStart: true });
    expect(config.rateLimits).toEqual({
      readPerMinute: 600,
      writePerMinute: 300,
      adminPerMinute: 60,
      authFailuresPerMinute: 30,
      unauthenticatedPerMinute: 300,
      allTenantsMultiplier: 10,
    });
    expect(config.bodyLimitBytes).toBe(1048576);
  });

  it('does not migrate a postgres:// database on start unless asked, and parses "false" as false', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x@h/db' }).database.migrateOnStart).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://x@h/db', DG_MIGRATE_ON_START: 'true' }).database.migrateOnStart).toBe(
      true,
    );
    expect(loadConfig({ DG_MIGRATE_ON_START: 'false' }).database.migrateOnStart).toBe(false);
  });

  it('sizes the embedded buffer cache from DG_EMBEDDED_SHARED_BUFFERS_MB, 32 MB by default', () => {
    expect(loadConfig({}).database.embeddedSharedBuffersMb).toBe(32);
    expect(loadConfig({ DG_EMBEDDED_SHARED_BUFFERS_MB: '128' }).database.embeddedSharedBuffersMb).toBe(128);
    expect(() => loadConfig({ DG_EMBEDDED_SHARED_BUFFERS_MB: '0' })).toThrow(/DG_EMBEDDED_SHARED_BUFFERS_MB/);
  });

  it('keeps separation of duties on unless DG_SEPARATION_OF_DUTIES is false', () => {
    expect(loadConfig({}).workflow.separationOfDuties).toBe(true);
    expect(loadConfig({ DG_SEPARATION_OF_DUTIES: 'false' }).workflow.separationOfDuties).toBe(false);
    expect(() => loadConfig({ DG_SEPARATION_OF_DUTIES: 'sometimes' })).toThrow(/DG_SEPARATION_OF_DUTIES/);
  });

  it('puts the embedded database where DG_DATA_DIR says', () => {
    expect(loadConfig({ DG_DATA_DIR: '/data/dg' }).database.url).toBe('pglite:/data/dg');
  });

  it.each([
    [{ PORT: 'x' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DG_MIGRATE_ON_START: 'perhaps' }, 'DG_MIGRATE_ON_START'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ DG_RATE_LIMIT_WRITE_PER_MINUTE: '0' }, 'DG_RATE_LIMIT_WRITE_PER_MINUTE'],
    [{ DG_SERVICE_ACCOUNTS: '{not json' }, 'DG_SERVICE_ACCOUNTS'],
    [{ DG_SERVICE_ACCOUNTS: account({ roles: ['root'] }) }, 'DG_SERVICE_ACCOUNTS'],
    [{ DG_SERVICE_ACCOUNTS: account({ tokens: [{ hash: 'plaintext-token' }] }) }, 'DG_SERVICE_ACCOUNTS'],
    [{ DG_SERVICE_ACCOUNTS_FILE: '/no/such/file.json' }, 'DG_SERVICE_ACCOUNTS_FILE'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it('refuses production without accounts and never creates the development accounts there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /DG_SERVICE_ACCOUNTS is required when NODE_ENV=production/,
    );
    const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const config = loadConfig({
      NODE_ENV: 'production',
      DG_SERVICE_ACCOUNTS: account(),
      DG_EXPORT_SIGNING_KEY: signingKey,
      DG_WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
    });
    expect(config.auth.developmentDefaults).toBe(false);
    expect(config.auth.accounts.map((a) => a.accountId)).toEqual(['ops']);
  });

  it('creates dev-reader, dev-writer and dev-admin on every tenant in development', () => {
    const { auth } = loadConfig({});
    expect(auth.developmentDefaults).toBe(true);
    expect(auth.accounts.map((a) => [a.accountId, a.roles, a.tenantIds, a.permissions])).toEqual([
      ['dev-reader', ['reader'], ['*'], []],
      ['dev-writer', ['writer'], ['*'], ['workflow_assign', 'workflow_review']],
      ['dev-admin', ['admin'], ['*'], ['*']],
    ]);
  });

  it('reads token expiry', () => {
    const config = loadConfig({
      DG_SERVICE_ACCOUNTS: account({ tokens: [{ hash: HASH, expires_at: '2030-01-01T00:00:00Z' }] }),
    });
    expect(config.auth.accounts[0].tokens[0].expiresAt?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });
});
