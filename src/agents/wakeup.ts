export type WakeOutcome = 'woken' | 'timeout' | 'aborted';

/**
 * A one-slot wake-up: `wake()` before or during `wait()` makes the wait return 'woken' (and is
 * then used up), so a wake between two waits is never lost.
 */
export class Wakeup {
  private pending = false;
  private resolve: ((outcome: WakeOutcome) => void) | undefined;

  wake(): void {
    if (this.resolve) this.finish('woken');
    else this.pending = true;
  }

  wait(ms: number, signals: (AbortSignal | undefined)[]): Promise<WakeOutcome> {
    if (signals.some((s) => s?.aborted)) return Promise.resolve('aborted');
    if (this.pending) {
      this.pending = false;
      return Promise.resolve('woken');
    }
    if (ms <= 0) return Promise.resolve('timeout');
    return new Promise<WakeOutcome>((resolve) => {
      const timer = setTimeout(() => this.finish('timeout'), ms);
      const onAbort = () => this.finish('aborted');
      for (const s of signals) s?.addEventListener('abort', onAbort, { once: true });
      this.resolve = (outcome) => {
        clearTimeout(timer);
        for (const s of signals) s?.removeEventListener('abort', onAbort);
        this.resolve = undefined;
        resolve(outcome);
      };
    });
  }

  private finish(outcome: WakeOutcome): void {
    this.resolve?.(outcome);
  }
}
