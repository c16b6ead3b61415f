import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json';

/**
 * `sha256:<hex>` of the canonical JSON (SPEC §5.4) of a model's rows in key order — the JSON array
 * of the rows — fed one page at a time, so that a digest of any size takes constant memory.
 */
export class RowDigest {
  private readonly hash: Hash = createHash('sha256').update('[');
  private count = 0;

  add(row: unknown): void {
    this.hash.update((this.count++ ? ',' : '') + canonicalJson(row), 'utf8');
  }

  finish(): string {
    return `sha256:${this.hash.update(']').digest('hex')}`;
  }
}

/** The digest of rows held in memory (tests, small models). */
export function rowsDigest(rows: readonly unknown[]): string {
  const digest = new RowDigest();
  for (const row of rows) digest.add(row);
  return digest.finish();
}

/** The digest of a run over several models: of the object mapping each model to its digest. */
export function combinedDigest(digests: Record<string, string | null>): string {
  return `sha256:${createHash('sha256').update(canonicalJson(digests), 'utf8').digest('hex')}`;
}
