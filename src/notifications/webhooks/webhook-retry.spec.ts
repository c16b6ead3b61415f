import { backoffCeilingMs, backoffDelayMs, decideAfterFailure, RetryPolicy } from './webhook-retry';

const SECOND = 1000;
const HOUR = 3_600_000;
const DEFAULTS: RetryPolicy = { baseMs: 5 * SECOND, maxMs: HOUR, windowMs: 24 * HOUR };

/** A small deterministic PRNG (mulberry32), so the simulated schedules are reproducible. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Attempt times of a delivery that fails every time, until it is given up. */
function simulate(policy: RetryPolicy, random: () => number): number[] {
  const first = new Date('2026-11-25T00:00:00Z');
  const times = [first.getTime()];
  for (let attempt = 1; attempt < 100_000; attempt++) {
    const decision = decideAfterFailure(attempt, first, new Date(times[times.length - 1]), policy, random);
    if (decision.giveUp) return times;
    times.push(decision.nextAttemptAt.getTime());
  }
  throw new Error('never gave up');
}

describe(backoffCeilingMs.name, () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 10, 11, 12, 50, 1000].map((n) => backoffCeilingMs(n, DEFAULTS))).toEqual([
      5 * SECOND,
      10 * SECOND,
      20 * SECOND,
      40 * SECOND,
      2560 * SECOND,
      HOUR,
      HOUR,
      HOUR,
      HOUR,
    ]);
  });
});

describe(backoffDelayMs.name, () => {
  it('draws uniformly below the ceiling (full jitter), never zero', () => {
    expect(backoffDelayMs(3, DEFAULTS, () => 0)).toBe(1);
    expect(backoffDelayMs(3, DEFAULTS, () => 0.5)).toBe(10 * SECOND);
    expect(backoffDelayMs(3, DEFAULTS, () => 0.999999)).toBeLessThanOrEqual(20 * SECOND);
  });
});

describe(decideAfterFailure.name, () => {
  it.each([1, 2, 3, 42])('retries for at least 24 h, each step within its cap (seed %i)', (seed) => {
    const times = simulate(DEFAULTS, seeded(seed));
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(24 * HOUR);
    gaps.forEach((gap, i) => expect(gap).toBeLessThanOrEqual(backoffCeilingMs(i + 1, DEFAULTS)));
    // The last attempt comes at most one capped step after the window closes.
    expect(times[times.length - 1] - times[0]).toBeLessThan(25 * HOUR);
    expect(times.length).toBeLessThan(200);
  });

  it('gives up at the first failure at or after the window, however the jitter fell', () => {
    const first = new Date('2026-11-25T00:00:00Z');
    expect(decideAfterFailure(7, first, new Date(first.getTime() + 24 * HOUR - 1), DEFAULTS, () => 0.5)).toMatchObject({
      giveUp: false,
    });
    expect(decideAfterFailure(7, first, new Date(first.getTime() + 24 * HOUR), DEFAULTS, () => 0.5)).toEqual({
      giveUp: true,
    });
  });

  it('with a zero window, gives up after the first failed attempt', () => {
    const now = new Date();
    expect(decideAfterFailure(1, now, now, { ...DEFAULTS, windowMs: 0 })).toEqual({ giveUp: true });
  });
});
