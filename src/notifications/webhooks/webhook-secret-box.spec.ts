import { randomBytes } from 'node:crypto';
import type { WebhookSecretConfig } from '../../config/webhook-secret-config';
import { needsSealing, openSecret, sealSecret, SecretUnreadableError } from './webhook-secret-box';
import { newSigningSecret } from './webhook-endpoint';

const keyA = { id: 'a', key: randomBytes(32) };
const keyB = { id: 'b', key: randomBytes(32) };
const withA: WebhookSecretConfig = { current: keyA, previous: [] };
const withBThenA: WebhookSecretConfig = { current: keyB, previous: [keyA] };
const none: WebhookSecretConfig = { current: null, previous: [] };

describe('webhook secrets at rest (SPEC §15)', () => {
  const secret = newSigningSecret();

  it('seals as v1:<key id>:<iv>:<tag>:<ciphertext> that hides the secret and opens to it', () => {
    const sealed = sealSecret(withA, 't1', 'whe_1', secret);
    expect(sealed).toMatch(/^v1:a:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(openSecret(withA, 't1', 'whe_1', sealed)).toBe(secret);
  });

  it('uses a fresh IV each time', () => {
    expect(sealSecret(withA, 't1', 'whe_1', secret)).not.toBe(sealSecret(withA, 't1', 'whe_1', secret));
  });

  it('does not open on another endpoint or tenant (the value is bound to its row)', () => {
    const sealed = sealSecret(withA, 't1', 'whe_1', secret);
    expect(() => openSecret(withA, 't1', 'whe_2', sealed)).toThrow(SecretUnreadableError);
    expect(() => openSecret(withA, 't2', 'whe_1', sealed)).toThrow(SecretUnreadableError);
  });

  it('detects any change of the ciphertext or tag', () => {
    const sealed = sealSecret(withA, 't1', 'whe_1', secret);
    const parts = sealed.split(':');
    for (const i of [2, 3, 4]) {
      const bytes = Buffer.from(parts[i], 'base64url');
      bytes[0] ^= 1;
      const changed = [...parts];
      changed[i] = bytes.toString('base64url');
      expect(() => openSecret(withA, 't1', 'whe_1', changed.join(':'))).toThrow(SecretUnreadableError);
    }
    expect(() => openSecret(withA, 't1', 'whe_1', 'v1:a:xx')).toThrow('malformed');
  });

  it('names a missing key rather than failing obscurely', () => {
    const sealed = sealSecret(withA, 't1', 'whe_1', secret);
    expect(() => openSecret(none, 't1', 'whe_1', sealed)).toThrow(/key a, which is not configured/);
  });

  it('reads plaintext secrets as they are, and keeps them plaintext without a key', () => {
    expect(openSecret(withA, 't1', 'whe_1', secret)).toBe(secret);
    expect(sealSecret(none, 't1', 'whe_1', secret)).toBe(secret);
    expect(needsSealing(none, secret)).toBe(false);
  });

  it('opens values of an earlier key and asks for them to be sealed again under the current one', () => {
    const old = sealSecret(withA, 't1', 'whe_1', secret);
    expect(openSecret(withBThenA, 't1', 'whe_1', old)).toBe(secret);
    expect(needsSealing(withBThenA, old)).toBe(true);
    expect(needsSealing(withBThenA, secret)).toBe(true);
    expect(needsSealing(withBThenA, sealSecret(withBThenA, 't1', 'whe_1', secret))).toBe(false);
  });
});
