import { AccountSlots } from './account-slots';
import { DomainError } from './error-codes';

describe(AccountSlots.name, () => {
  it('refuses beyond the limit per account with rate_limited and a retry-after', () => {
    const slots = new AccountSlots(2, 'open streams');
    slots.acquire('a');
    slots.acquire('a');
    slots.acquire('b');
    let error: unknown;
    try {
      slots.acquire('a');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'rate_limited',
      message: 'Too many open streams for account a (at most 2 at once)',
      headers: { 'retry-after': '1' },
    });
    expect(slots.total()).toBe(3);
  });

  it('frees a slot once, however often it is released', () => {
    const slots = new AccountSlots(1, 'waits');
    const release = slots.acquire('a');
    release();
    release();
    slots.acquire('a');
    expect(() => slots.acquire('a')).toThrow(DomainError);
    expect(slots.total()).toBe(1);
  });
});
