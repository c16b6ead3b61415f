import { DomainError } from './error-codes';

/** Seconds a client refused a slot is told to wait (a slot frees when a wait or stream ends). */
const RETRY_AFTER_SECONDS = 1;

/**
 * Counts what each account holds open at once in this instance (waiting long polls, open streams),
 * refusing beyond `limit` with 429 `rate_limited` and a retry-after.
 */
export class AccountSlots {
  private readonly held = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly what: string,
  ) {}

  /** Takes a slot for the account, or throws; the function returned gives it back (once). */
  acquire(accountId: string): () => void {
    const count = this.held.get(accountId) ?? 0;
    if (count >= this.limit) {
      throw new DomainError(
        'rate_limited',
        `Too many ${this.what} for account ${accountId} (at most ${this.limit} at once)`,
        { limit: this.limit },
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
    }
    this.held.set(accountId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(accountId) ?? 1) - 1;
      if (left > 0) this.held.set(accountId, left);
      else this.held.delete(accountId);
    };
  }

  /** How many slots are held in all (a gauge). */
  total(): number {
    let sum = 0;
    for (const n of this.held.values()) sum += n;
    return sum;
  }
}
