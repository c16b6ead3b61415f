import { setTimeout as sleep } from 'node:timers/promises';
import { isTransactionConflict } from '../common/database-errors';
import { DomainError } from '../common/error-codes';

/** How often a transaction that lost a deadlock or a serialization check is run again. */
export type RetryPolicy = {
  /** Runs in all, the first included (1 = no retry). */
  attempts: number;
  /** The pause before retry n is a random time up to baseDelayMs × 2^(n−1). */
  baseDelayMs: number;
};

export const CONFLICT_MESSAGE = 'The database could not serialise this request with concurrent ones; retry later';

/**
 * Runs `work` (a whole transaction: BEGIN to COMMIT) again while it fails with a deadlock or a
 * serialization failure, at most `policy.attempts` times in all, after a short random pause; then
 * answers 503 `storage`. Any other error passes through at once. `work` must have no effect
 * outside its transaction, which PostgreSQL rolled back.
 */
export async function withTransactionRetry<T>(
  work: () => Promise<T>,
  policy: RetryPolicy,
  onRetry: (attempt: number) => void = () => {},
  pause: (ms: number) => Promise<unknown> = sleep,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (!isTransactionConflict(e)) throw e;
      if (attempt >= policy.attempts) throw new DomainError('storage', CONFLICT_MESSAGE);
      onRetry(attempt);
      await pause(Math.random() * policy.baseDelayMs * 2 ** (attempt - 1));
    }
  }
}
