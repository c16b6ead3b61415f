import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { WebhookSecretConfig, WebhookSecretKey } from '../../config/webhook-secret-config';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored secret that cannot be read: its key is not configured, or it was tampered with. */
export class SecretUnreadableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretUnreadableError';
  }
}

/**
 * Webhook signing secrets at rest (SPEC §15): `v1:<key id>:<iv>:<tag>:<ciphertext>`, the last three
 * base64url, AES-256-GCM with a random 96-bit IV. The additional data binds a sealed secret to its
 * tenant and endpoint, so a value copied onto another endpoint's row does not open. A value without
 * the `v1:` prefix is a plaintext secret (`whsec_…`): written before a key was configured, or
 * without one (development and tests); it is read as it is and sealed at start once a key is set.
 */
export function sealSecret(keys: WebhookSecretConfig, tenantId: string, endpointId: string, secret: string): string {
  const key = keys.current;
  if (!key) return secret;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(tenantId, endpointId));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, key.id, b64(iv), b64(cipher.getAuthTag()), b64(ciphertext)].join(':');
}

export function openSecret(keys: WebhookSecretConfig, tenantId: string, endpointId: string, stored: string): string {
  if (!isSealed(stored)) return stored;
  const parts = stored.split(':');
  if (parts.length !== 5) throw new SecretUnreadableError('stored webhook secret is malformed');
  const [, keyId, iv, tag, ciphertext] = parts;
  const key = findKey(keys, keyId);
  if (!key)
    throw new SecretUnreadableError(
      `webhook secret is encrypted with key ${keyId}, which is not configured (DG_WEBHOOK_SECRET_KEY or DG_WEBHOOK_SECRET_KEY_PREVIOUS)`,
    );
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(additionalData(tenantId, endpointId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnreadableError(`webhook secret does not decrypt with key ${keyId}`);
  }
}

/** Whether a stored value should be sealed (again) under the current key: plaintext, or an older key's. */
export function needsSealing(keys: WebhookSecretConfig, stored: string): boolean {
  return keys.current !== null && !stored.startsWith(`${VERSION}:${keys.current.id}:`);
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(`${VERSION}:`);
}

function findKey(keys: WebhookSecretConfig, id: string): WebhookSecretKey | undefined {
  return keys.current?.id === id ? keys.current : keys.previous.find((k) => k.id === id);
}

function additionalData(tenantId: string, endpointId: string): Buffer {
  return Buffer.from(`decisiongraph webhook secret\u0000${tenantId}\u0000${endpointId}`, 'utf8');
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

/** The configured keys, for the services that write and read endpoint secrets. */
@Injectable()
export class WebhookSecretBox {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get encrypting(): boolean {
    return this.config.webhookSecrets.current !== null;
  }

  seal(tenantId: string, endpointId: string, secret: string): string {
    return sealSecret(this.config.webhookSecrets, tenantId, endpointId, secret);
  }

  open(tenantId: string, endpointId: string, stored: string): string {
    return openSecret(this.config.webhookSecrets, tenantId, endpointId, stored);
  }

  needsSealing(stored: string): boolean {
    return needsSealing(this.config.webhookSecrets, stored);
  }
}
