/** How failed deliveries are retried (SPEC §8: with backoff, for at least the retry window). */
export type RetryPolicy = {
  /** Ceiling of the first delay; each later ceiling doubles … */
  baseMs: number;
  /** … up to this cap per step. */
  maxMs: number;
  /** Attempts go on until this long after the first attempt of the window; then the delivery fails. */
  windowMs: number;
};

export type RetryDecision = { giveUp: true } | { giveUp: false; nextAttemptAt: Date };

/** The ceiling of the delay after failed attempt number `attempt` (1-based): min(max, base × 2^(attempt−1)). */
export function backoffCeilingMs(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}

/**
 * "Full jitter": a uniform delay between 0 and the step's ceiling (at least 1 ms), so that many
 * deliveries that failed together (a receiver outage) do not come back together.
 */
export function backoffDelayMs(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>,
  random: () => number = Math.random,
): number {
  return Math.max(1, Math.round(random() * backoffCeilingMs(attempt, policy)));
}

/**
 * After failed attempt `attempt`, finished at `now`, of a delivery whose retry window opened at
 * `firstAttemptAt`: give up once the window has passed, else retry after a jittered delay. The
 * window is checked against the attempt that just failed, so the last attempt is always at least
 * `windowMs` after the first one, whatever the jitter drew.
 */
export function decideAfterFailure(
  attempt: number,
  firstAttemptAt: Date,
  now: Date,
  policy: RetryPolicy,
  random: () => number = Math.random,
): RetryDecision {
  if (now.getTime() - firstAttemptAt.getTime() >= policy.windowMs) return { giveUp: true };
  return { giveUp: false, nextAttemptAt: new Date(now.getTime() + backoffDelayMs(attempt, policy, random)) };
}
