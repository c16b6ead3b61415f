import { DecisionGraphError } from './errors';

/** The server waits at most this long per request (SPEC §17). */
export const MAX_WAIT_SECONDS = 60;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;

export type WaitOptions = {
  /** Give up after this long and return the last state read (`decided: false`). */
  timeoutMs: number;
  signal?: AbortSignal;
};

type Settleable = { decided: boolean; changes_requested: boolean };

/**
 * Long polls in a loop (each request waits up to 60 s on the server, holding nothing there) until
 * the answer is decided or changes were requested, or `timeoutMs` is over: then it returns the last
 * answer, undecided. Rate limits and unavailability are retried with backoff inside the time;
 * any other error (404, 401, 403) is thrown.
 */
export async function waitForDecision<T extends Settleable>(
  poll: (waitSeconds: number, signal?: AbortSignal) => Promise<T>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: T | undefined;
  let retryMs = RETRY_FIRST_MS;
  for (;;) {
    options.signal?.throwIfAborted();
    const remainingMs = deadline - Date.now();
    // Whole seconds on the wire: the last wait may end up to a second after the deadline.
    const waitSeconds = Math.max(0, Math.min(MAX_WAIT_SECONDS, Math.ceil(remainingMs / 1000)));
    try {
      last = await poll(waitSeconds, options.signal);
      retryMs = RETRY_FIRST_MS;
      if (last.decided || last.changes_requested || deadline - Date.now() <= 0) return last;
    } catch (e) {
      if (!(e instanceof DecisionGraphError) || !e.retryable) throw e;
      const pause = Math.min(e.retryAfterSeconds ? e.retryAfterSeconds * 1000 : retryMs, deadline - Date.now());
      if (pause <= 0) {
        if (last) return last;
        throw e;
      }
      await sleep(pause, options.signal);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      },
      { once: true },
    );
  });
}
