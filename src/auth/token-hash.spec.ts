import { Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { loadConfig } from '../config/app-config';
import { ServiceAccountRegistryService } from './service-account-registry.service';
import { generateToken, hashToken } from './token-hash';

describe('service-account tokens', () => {
  it('hashes with SHA-256 into the sha256:<hex> form (known vector)', () => {
    // printf '%s' dev-admin-token | sha256sum
    expect(hashToken('dev-admin-token')).toBe(
      'sha256:1734d503f6aa6a047c36d113cbad769f719c93784b469b771c4c3e7c63adbefd',
    );
  });

  it('generates at least 32 random bytes, base64url, with the matching hash', () => {
    const { token, hash } = generateToken();
    const body = token.replace(/^dg_/, '');
    expect(body).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(body, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(hash).toBe(hashToken(token));
    expect(generateToken().token).not.toBe(token);
  });

  it('never keeps or logs a token in plaintext', () => {
    const { token, hash } = generateToken();
    const config = loadConfig({
      DG_SERVICE_ACCOUNTS: JSON.stringify([
        { account_id: 'svc', roles: ['writer'], tenant_ids: ['t'], tokens: [{ hash }] },
      ]),
    });
    const logged: unknown[] = [];
    for (const level of ['log', 'warn', 'error', 'debug', 'verbose'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => void logged.push(args));
    }
    const registry = new ServiceAccountRegistryService(config);
    registry.onModuleInit();
    expect(registry.authenticate(token, new Clock().now())?.accountId).toBe('svc');
    expect(registry.authenticate(`${token}x`, new Clock().now())).toBeUndefined();
    const everything = JSON.stringify({ config, registry, logged });
    expect(everything).not.toContain(token);
    expect(everything).toContain(hash);
    jest.restoreAllMocks();
  });

  it('refuses an expired token and accepts the account’s other live token', () => {
    const old = generateToken();
    const fresh = generateToken();
    const config = loadConfig({
      DG_SERVICE_ACCOUNTS: JSON.stringify([
        {
          account_id: 'svc',
          roles: ['reader'],
          tenant_ids: ['*'],
          tokens: [{ hash: old.hash, expires_at: '2026-01-01T00:00:00Z' }, { hash: fresh.hash }],
        },
      ]),
    });
    const registry = new ServiceAccountRegistryService(config);
    const now = new Date('2026-06-01T00:00:00Z');
    expect(registry.authenticate(old.token, now)).toBeUndefined();
    expect(registry.authenticate(old.token, new Date('2025-12-31T00:00:00Z'))?.accountId).toBe('svc');
    expect(registry.authenticate(fresh.token, now)?.accountId).toBe('svc');
  });
});
