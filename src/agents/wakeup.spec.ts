import { Wakeup } from './wakeup';

describe(Wakeup.name, () => {
  it('returns woken when woken during the wait', async () => {
    const w = new Wakeup();
    const waiting = w.wait(10_000, []);
    w.wake();
    await expect(waiting).resolves.toBe('woken');
  });

  it('keeps a wake that came between two waits', async () => {
    const w = new Wakeup();
    w.wake();
    await expect(w.wait(10_000, [])).resolves.toBe('woken');
    await expect(w.wait(1, [])).resolves.toBe('timeout');
  });

  it('returns timeout when nothing happens, at once for a wait of zero', async () => {
    const w = new Wakeup();
    await expect(w.wait(0, [])).resolves.toBe('timeout');
    await expect(w.wait(5, [])).resolves.toBe('timeout');
  });

  it('returns aborted when a signal aborts, or was aborted before', async () => {
    const w = new Wakeup();
    const stop = new AbortController();
    const waiting = w.wait(10_000, [undefined, stop.signal]);
    stop.abort();
    await expect(waiting).resolves.toBe('aborted');
    await expect(w.wait(10_000, [stop.signal])).resolves.toBe('aborted');
  });
});
