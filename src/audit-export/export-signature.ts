import { KeyObject, sign, verify } from 'node:crypto';

export const EXPORT_SIGNATURE_ALG = 'ed25519';

/** SPEC §9: the base64 Ed25519 signature of the digest string's UTF-8 bytes. */
export function signDigest(digest: string, privateKey: KeyObject): string {
  return sign(null, Buffer.from(digest, 'utf8'), privateKey).toString('base64');
}

export function digestSignatureValid(digest: string, signature: string, publicKey: KeyObject): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return verify(null, Buffer.from(digest, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
