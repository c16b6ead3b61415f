import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultKeyId, loadExportSigningConfig } from './export-config';

const pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('loadExportSigningConfig', () => {
  it('reads an inline PEM, also with literal \\n sequences, and derives the key id from the public key', () => {
    const key = pem();
    const config = loadExportSigningConfig({ DG_EXPORT_SIGNING_KEY: key.trim().replace(/\n/g, '\\n') }, true);
    expect(config.ephemeral).toBe(false);
    expect(config.keyId).toBe(defaultKeyId(createPublicKey(key)));
    expect(config.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
  });

  it('reads the key from DG_EXPORT_SIGNING_KEY_FILE and takes DG_EXPORT_KEY_ID as given', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dg-key-')), 'key.pem');
    writeFileSync(file, pem());
    const config = loadExportSigningConfig({ DG_EXPORT_SIGNING_KEY_FILE: file, DG_EXPORT_KEY_ID: 'audit-2026' }, true);
    expect(config.keyId).toBe('audit-2026');
    expect(config.privateKey.asymmetricKeyType).toBe('ed25519');
  });

  it('refuses production without a key, naming the variable and the keygen command', () => {
    expect(() => loadExportSigningConfig({}, true)).toThrow(
      /DG_EXPORT_SIGNING_KEY is required when NODE_ENV=production.*keygen/,
    );
  });

  it('gives development a throwaway key', () => {
    const config = loadExportSigningConfig({}, false);
    expect(config.ephemeral).toBe(true);
    expect(config.privateKey.asymmetricKeyType).toBe('ed25519');
  });

  it.each([
    [{ DG_EXPORT_SIGNING_KEY: 'not a key' }, 'DG_EXPORT_SIGNING_KEY is not a PEM private key'],
    [
      {
        DG_EXPORT_SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      },
      'must be an Ed25519 key, got ec',
    ],
    [{ DG_EXPORT_SIGNING_KEY_FILE: '/nonexistent/key.pem' }, 'DG_EXPORT_SIGNING_KEY_FILE cannot be read'],
    [{ DG_EXPORT_SIGNING_KEY: pem(), DG_EXPORT_SIGNING_KEY_FILE: '/k.pem' }, 'set one'],
    [{ DG_EXPORT_KEY_ID: 'has spaces' }, 'DG_EXPORT_KEY_ID must be 1-128 characters'],
  ])('rejects %o', (env, message) => {
    expect(() => loadExportSigningConfig(env, false)).toThrow(message);
  });
});
