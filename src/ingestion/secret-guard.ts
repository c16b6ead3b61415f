import { DomainError } from '../common/error-codes';
import { indexPath, memberPath } from './json-number-scan';

/**
 * SPEC §5.6: strings that carry something shaped like a credential are refused. Each pattern must
 * start at a word boundary, so ordinary ids (`task-7f3a…`, `risk-score`, `desk-12`, `Asia`) that
 * merely contain `sk-` or `asia` pass. The boundary is "not after a letter or digit": an underscore
 * counts as a separator, so `access_token=…`, `client_secret=…` and `key_AKIA…` are caught too.
 */
const START = '(?<![A-Za-z0-9])';

export const CREDENTIAL_PATTERNS: Readonly<Record<string, RegExp>> = {
  // A token of 8+ characters with at least one non-letter, so "Bearer internationalization" passes.
  bearer: new RegExp(`${START}bearer\\s+(?=[A-Za-z0-9._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{8,}`, 'i'),
  slack: new RegExp(`${START}xox[abpr]-[A-Za-z0-9-]{6,}`),
  secretKey: new RegExp(`${START}sk-[A-Za-z0-9_-]{20,}`),
  // The prefix is distinctive; only a very short tail ("ghp_short") reads as a word.
  github: new RegExp(`${START}gh[pousr]_[A-Za-z0-9]{8,}`),
  // The header is made of dashes, so it has no boundary of its own.
  privateKey: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/,
  // Exactly 16 characters and case-sensitive: "Asia" and "ASIA-pacific" are words, not keys.
  awsAccessKeyId: new RegExp(`${START}(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])`),
  // An assignment with a value; "the token was rotated" and "password reset" are prose.
  assignment: new RegExp(`${START}(?:api_?key|password|passwd|secret|token)\\s*=\\s*["']?[^\\s"'&;,]`, 'i'),
};

const PATTERNS = Object.values(CREDENTIAL_PATTERNS);

export function looksLikeCredential(text: string): boolean {
  return PATTERNS.some((pattern) => pattern.test(text));
}

/**
 * The JSON path of the first string (depth first, in document order) that looks like a credential,
 * looking at object values and array items but not at object keys. Only the path is returned, so
 * the secret itself can never reach a response or a log line.
 */
export function findSecret(value: unknown, path: string): string | undefined {
  // An explicit stack: workflow notes and evidence reach here too, and need not be shallow.
  const pending: Array<[unknown, string]> = [[value, path]];
  while (pending.length > 0) {
    const [current, at] = pending.pop() as [unknown, string];
    if (typeof current === 'string') {
      if (looksLikeCredential(current)) return at;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) pending.push([current[i], indexPath(at, i)]);
    } else if (typeof current === 'object' && current !== null) {
      const entries = Object.entries(current);
      for (let i = entries.length - 1; i >= 0; i--) pending.push([entries[i][1], memberPath(at, entries[i][0])]);
    }
  }
  return undefined;
}

/** Throws 422 pii_policy_violation naming the first field, in the order given, that carries a credential. */
export function assertNoSecrets(fields: Array<[path: string, value: unknown]>): void {
  for (const [path, value] of fields) {
    const found = findSecret(value, path);
    if (found !== undefined) {
      throw new DomainError(
        'pii_policy_violation',
        `Value at ${found} looks like a credential; secrets must not be sent to the decision log`,
        { path: found },
      );
    }
  }
}
