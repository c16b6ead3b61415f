import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `sha256:<hex>` of a token: the only form in which tokens are configured or kept. */
export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** A new random token (32 bytes, base64url) and its hash, for the CLI. */
export function generateToken(bytes = 32): { token: string; hash: string } {
  const token = `dg_${randomBytes(bytes).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** Constant-time equality of two `sha256:` hashes (equal length by construction). */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
