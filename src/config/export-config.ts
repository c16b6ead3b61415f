import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, Env, readString } from './env-parsers';

/** The Ed25519 key that signs audit exports (SPEC §9). */
export type ExportSigningConfig = {
  privateKey: KeyObject;
  keyId: string;
  /** Generated at start because none was configured (development and tests only). */
  ephemeral: boolean;
};

/**
 * DG_EXPORT_SIGNING_KEY (a PKCS#8 PEM; literal "\n" sequences are accepted for one-line env files)
 * or DG_EXPORT_SIGNING_KEY_FILE, and DG_EXPORT_KEY_ID (default: derived from the public key).
 * Production refuses to start without a key; development and tests get a throwaway one.
 */
export function loadExportSigningConfig(env: Env, production: boolean): ExportSigningConfig {
  const inline = readString(env, 'DG_EXPORT_SIGNING_KEY');
  const file = readString(env, 'DG_EXPORT_SIGNING_KEY_FILE');
  if (inline && file)
    throw new ConfigError('DG_EXPORT_SIGNING_KEY', 'and DG_EXPORT_SIGNING_KEY_FILE are both set; set one');
  let privateKey: KeyObject;
  let ephemeral = false;
  if (inline) {
    privateKey = parseKey('DG_EXPORT_SIGNING_KEY', inline.replace(/\\n/g, '\n'));
  } else if (file) {
    privateKey = parseKey('DG_EXPORT_SIGNING_KEY_FILE', readKeyFile(file));
  } else if (production) {
    throw new ConfigError(
      'DG_EXPORT_SIGNING_KEY',
      'is required when NODE_ENV=production (or set DG_EXPORT_SIGNING_KEY_FILE); generate one with `node dist/cli/main.js keygen`',
    );
  } else {
    privateKey = generateKeyPairSync('ed25519').privateKey;
    ephemeral = true;
  }
  const keyId = readString(env, 'DG_EXPORT_KEY_ID') ?? defaultKeyId(createPublicKey(privateKey));
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(keyId))
    throw new ConfigError('DG_EXPORT_KEY_ID', 'must be 1-128 characters of [A-Za-z0-9._:-]');
  return { privateKey, keyId, ephemeral };
}

/** `ed25519:` and the first 16 hex digits of the SHA-256 of the public key (SPKI DER). */
export function defaultKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

function parseKey(variable: string, pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigError(variable, 'is not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ConfigError(variable, `must be an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('DG_EXPORT_SIGNING_KEY_FILE', `cannot be read: ${(e as Error).message}`);
  }
}
