import { DecisionGraphError } from './errors';
import { waitForDecision } from './wait-for-decision';

type Answer = { decided: boolean; changes_requested: boolean; status: string };
const open: Answer = { decided: false, changes_requested: false, status: 'requested' };

describe(waitForDecision.name, () => {
  it('polls again until the answer is decided, asking the server to wait', async () => {
    const waits: number[] = [];
    const answers: Answer[] = [open, open, { decided: true, changes_requested: false, status: 'approved' }];
    const result = await waitForDecision(
      async (wait) => {
        waits.push(wait);
        return answers.shift() as Answer;
      },
      { timeoutMs: 120_000 },
    );
    expect(result.status).toBe('approved');
    expect(waits).toHaveLength(3);
    expect(waits.every((w) => w > 0 && w <= 60)).toBe(true);
  });

  it('ends on a change request', async () => {
    const result = await waitForDecision(async () => ({ ...open, changes_requested: true }), { timeoutMs: 60_000 });
    expect(result.changes_requested).toBe(true);
  });

  it('returns the last answer, undecided, when the time is over', async () => {
    let calls = 0;
    const result = await waitForDecision(
      async (wait) => {
        calls++;
        await new Promise((r) => setTimeout(r, Math.min(wait, 1) * 30));
        return open;
      },
      { timeoutMs: 20 },
    );
    expect(result).toEqual(open);
    expect(calls).toBeGreaterThanOrEqual(1);
  });

  it('retries a rate limit after its retry-after, and throws what retrying cannot fix', async () => {
    let calls = 0;
    const result = await waitForDecision(
      async () => {
        calls++;
        if (calls === 1) throw new DecisionGraphError(429, 'rate_limited', 'slow down', {}, undefined, 0.01);
        return { ...open, decided: true, status: 'rejected' };
      },
      { timeoutMs: 10_000 },
    );
    expect(result.status).toBe('rejected');
    expect(calls).toBe(2);
    await expect(
      waitForDecision(
        async () => {
          throw new DecisionGraphError(404, 'not_found', 'Workflow not found: x');
        },
        { timeoutMs: 10_000 },
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
