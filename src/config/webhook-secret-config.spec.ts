import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './env-parsers';
import { defaultSecretKeyId, loadWebhookSecretConfig } from './webhook-secret-config';

describe(loadWebhookSecretConfig.name, () => {
  const key = randomBytes(32);

  it('has no key outside production when none is set (secrets stay in plaintext)', () => {
    expect(loadWebhookSecretConfig({}, false)).toEqual({ current: null, previous: [] });
  });

  it('refuses production without a key, naming the variable and how to make one', () => {
    expect(() => loadWebhookSecretConfig({}, true)).toThrow(
      /DG_WEBHOOK_SECRET_KEY is required when NODE_ENV=production.*openssl rand -base64 32/,
    );
  });

  it.each([
    ['hex', key.toString('hex')],
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
    ['base64 without padding', key.toString('base64').replace(/=$/, '')],
  ])('reads a 32-byte key as %s, with an id derived from it', (_, text) => {
    expect(loadWebhookSecretConfig({ DG_WEBHOOK_SECRET_KEY: text }, true)).toEqual({
      current: { id: defaultSecretKeyId(key), key },
      previous: [],
    });
  });

  it('reads the key from a file and takes the id given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-whkey-'));
    try {
      writeFileSync(join(dir, 'key'), `${key.toString('base64')}\n`);
      const config = loadWebhookSecretConfig(
        { DG_WEBHOOK_SECRET_KEY_FILE: join(dir, 'key'), DG_WEBHOOK_SECRET_KEY_ID: '2026-12' },
        true,
      );
      expect(config.current).toEqual({ id: '2026-12', key });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads earlier keys, named or not', () => {
    const old1 = randomBytes(32);
    const old2 = randomBytes(32);
    const config = loadWebhookSecretConfig(
      {
        DG_WEBHOOK_SECRET_KEY: key.toString('hex'),
        DG_WEBHOOK_SECRET_KEY_PREVIOUS: `2025=${old1.toString('base64')}, ${old2.toString('hex')}`,
      },
      true,
    );
    expect(config.previous).toEqual([
      { id: '2025', key: old1 },
      { id: defaultSecretKeyId(old2), key: old2 },
    ]);
  });

  it.each([
    [{ DG_WEBHOOK_SECRET_KEY: randomBytes(16).toString('base64') }, 'DG_WEBHOOK_SECRET_KEY must be 32 bytes'],
    [{ DG_WEBHOOK_SECRET_KEY: 'not a key' }, 'DG_WEBHOOK_SECRET_KEY must be 32 bytes'],
    [{ DG_WEBHOOK_SECRET_KEY: key.toString('hex'), DG_WEBHOOK_SECRET_KEY_FILE: '/x' }, 'both set'],
    [{ DG_WEBHOOK_SECRET_KEY_FILE: '/nonexistent/key' }, 'DG_WEBHOOK_SECRET_KEY_FILE cannot be read'],
    [{ DG_WEBHOOK_SECRET_KEY: key.toString('hex'), DG_WEBHOOK_SECRET_KEY_ID: 'a:b' }, 'DG_WEBHOOK_SECRET_KEY_ID'],
    [
      { DG_WEBHOOK_SECRET_KEY: key.toString('hex'), DG_WEBHOOK_SECRET_KEY_PREVIOUS: key.toString('base64') },
      'repeats the current key id',
    ],
  ])('rejects %j naming the problem', (env, message) => {
    expect(() => loadWebhookSecretConfig(env, false)).toThrow(ConfigError);
    expect(() => loadWebhookSecretConfig(env, false)).toThrow(message);
  });
});
