import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultKeyId } from '../config/export-config';

export type GeneratedKeyPair = { privateKeyPath: string; publicKeyPath: string; keyId: string };

/**
 * Writes a new Ed25519 key pair for signing audit exports: the private key (PKCS#8 PEM, mode 0600)
 * for DG_EXPORT_SIGNING_KEY(_FILE), the public key (SPKI PEM) for verify-export. Never overwrites.
 */
export function generateExportKeyPair(dir: string): GeneratedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privateKeyPath = join(dir, 'export-signing-key.pem');
  const publicKeyPath = join(dir, 'export-signing-key.pub.pem');
  writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  return { privateKeyPath, publicKeyPath, keyId: defaultKeyId(publicKey) };
}
