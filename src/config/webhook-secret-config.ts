import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, Env, readString } from './env-parsers';

/** One AES-256-GCM key that encrypts webhook signing secrets at rest (SPEC §15). */
export type WebhookSecretKey = { id: string; key: Buffer };

export type WebhookSecretConfig = {
  /** Encrypts every secret written; null = secrets are stored in plaintext (development and tests only). */
  current: WebhookSecretKey | null;
  /** Earlier keys, still read (and re-encrypted under `current` at start) after a key rotation. */
  previous: WebhookSecretKey[];
};

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * DG_WEBHOOK_SECRET_KEY (or DG_WEBHOOK_SECRET_KEY_FILE): 32 random bytes as 64 hex digits or as
 * base64 / base64url (`openssl rand -base64 32`); DG_WEBHOOK_SECRET_KEY_ID names it (default: derived
 * from the key). DG_WEBHOOK_SECRET_KEY_PREVIOUS: earlier keys, comma-separated, each `id=key` or a
 * bare key (id derived). Production refuses to start without a key, like the export signing key;
 * development and tests without one keep the secrets in plaintext (with a warning at start).
 */
export function loadWebhookSecretConfig(env: Env, production: boolean): WebhookSecretConfig {
  const inline = readString(env, 'DG_WEBHOOK_SECRET_KEY');
  const file = readString(env, 'DG_WEBHOOK_SECRET_KEY_FILE');
  if (inline && file)
    throw new ConfigError('DG_WEBHOOK_SECRET_KEY', 'and DG_WEBHOOK_SECRET_KEY_FILE are both set; set one');
  let current: WebhookSecretKey | null = null;
  if (inline || file) {
    const variable = inline ? 'DG_WEBHOOK_SECRET_KEY' : 'DG_WEBHOOK_SECRET_KEY_FILE';
    const key = parseSecretKey(variable, inline ?? readKeyFile(file as string));
    const id = readString(env, 'DG_WEBHOOK_SECRET_KEY_ID') ?? defaultSecretKeyId(key);
    if (!KEY_ID.test(id))
      throw new ConfigError('DG_WEBHOOK_SECRET_KEY_ID', 'must be 1-64 characters of [A-Za-z0-9._-]');
    current = { id, key };
  } else if (production) {
    throw new ConfigError(
      'DG_WEBHOOK_SECRET_KEY',
      'is required when NODE_ENV=production (or set DG_WEBHOOK_SECRET_KEY_FILE); generate one with `openssl rand -base64 32`',
    );
  }
  const previous = (readString(env, 'DG_WEBHOOK_SECRET_KEY_PREVIOUS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const eq = entry.indexOf('=');
      // base64 ends with '=' padding; an id is never empty, so `id=` needs something before it.
      const named = eq > 0 && KEY_ID.test(entry.slice(0, eq)) && entry.slice(eq + 1).length >= 43;
      const key = parseSecretKey('DG_WEBHOOK_SECRET_KEY_PREVIOUS', named ? entry.slice(eq + 1) : entry);
      return { id: named ? entry.slice(0, eq) : defaultSecretKeyId(key), key };
    });
  if (current && previous.some((p) => p.id === current.id))
    throw new ConfigError('DG_WEBHOOK_SECRET_KEY_PREVIOUS', `repeats the current key id ${current.id}`);
  return { current, previous };
}

/** 32 bytes from 64 hex digits or from base64 / base64url (padding optional). */
export function parseSecretKey(variable: string, raw: string): Buffer {
  const text = raw.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(text))
    key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== 32)
    throw new ConfigError(variable, 'must be 32 bytes as 64 hex digits or base64 (`openssl rand -base64 32`)');
  return key;
}

/** `k` and the first 12 hex digits of the SHA-256 of the key: names the key, reveals nothing of it. */
export function defaultSecretKeyId(key: Buffer): string {
  return `k${createHash('sha256').update('decisiongraph webhook secret key id').update(key).digest('hex').slice(0, 12)}`;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('DG_WEBHOOK_SECRET_KEY_FILE', `cannot be read: ${(e as Error).message}`);
  }
}
