import { DatabaseError } from 'pg';
import { isDatabaseTimeout, isTransactionConflict } from '../common/database-errors';
import { DomainError } from '../common/error-codes';
import { Prisma } from '../generated/prisma/client';
import { withTransactionRetry } from './transaction-retry';

const pgError = (code: string) => Object.assign(new DatabaseError('refused', 1, 'error'), { code });
/** What Prisma throws for a raw query the driver adapter refused (P2010 with the adapter's mapped cause). */
const prismaRawError = (cause: object) =>
  new Prisma.PrismaClientKnownRequestError('Raw query failed', {
    code: 'P2010',
    clientVersion: '7',
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause } },
  });

const noPause = () => Promise.resolve();

describe(withTransactionRetry.name, () => {
  const policy = { attempts: 3, baseDelayMs: 10 };

  it('runs the work again after a deadlock and returns what the next run returns', async () => {
    let runs = 0;
    const result = await withTransactionRetry(
      async () => {
        runs += 1;
        if (runs < 3) throw pgError('40P01');
        return 'committed';
      },
      policy,
      undefined,
      noPause,
    );
    expect(result).toBe('committed');
    expect(runs).toBe(3);
  });

  it('retries a serialization failure as Prisma reports it through the driver adapter', async () => {
    let runs = 0;
    await withTransactionRetry(
      async () => {
        runs += 1;
        if (runs === 1) throw prismaRawError({ kind: 'TransactionWriteConflict', originalCode: '40001' });
      },
      policy,
      undefined,
      noPause,
    );
    expect(runs).toBe(2);
  });

  it('gives up after the last attempt with 503 storage, never a 500', async () => {
    let runs = 0;
    const retries: number[] = [];
    const work = withTransactionRetry(
      async () => {
        runs += 1;
        throw pgError('40P01');
      },
      policy,
      (attempt) => retries.push(attempt),
      noPause,
    );
    await expect(work).rejects.toBeInstanceOf(DomainError);
    await expect(work).rejects.toMatchObject({ code: 'storage' });
    expect(runs).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('does not retry any other error', async () => {
    let runs = 0;
    const unique = pgError('23505');
    const work = withTransactionRetry(
      async () => {
        runs += 1;
        throw unique;
      },
      policy,
      undefined,
      noPause,
    );
    await expect(work).rejects.toBe(unique);
    expect(runs).toBe(1);
  });

  it('pauses a random time below base × 2^(n−1) before retry n', async () => {
    const pauses: number[] = [];
    await withTransactionRetry(
      async () => {
        if (pauses.length < 2) throw pgError('40001');
      },
      policy,
      undefined,
      async (ms) => void pauses.push(ms),
    );
    expect(pauses).toHaveLength(2);
    expect(pauses[0]).toBeGreaterThanOrEqual(0);
    expect(pauses[0]).toBeLessThan(10);
    expect(pauses[1]).toBeLessThan(20);
  });
});

describe(isTransactionConflict.name, () => {
  it.each([
    ['a pg deadlock', pgError('40P01'), true],
    ['a pg serialization failure', pgError('40001'), true],
    ['the adapter-mapped conflict inside Prisma', prismaRawError({ kind: 'TransactionWriteConflict' }), true],
    [
      'a Prisma P2034',
      new Prisma.PrismaClientKnownRequestError('conflict', { code: 'P2034', clientVersion: '7' }),
      true,
    ],
    ['a conflict wrapped as a cause', new Error('append failed', { cause: pgError('40P01') }), true],
    ['a unique violation', pgError('23505'), false],
    ['a lock timeout', pgError('55P03'), false],
    ['a plain error', new Error('40P01'), false],
  ])('%s → %s', (_label, error, expected) => {
    expect(isTransactionConflict(error)).toBe(expected);
  });
});

describe(isDatabaseTimeout.name, () => {
  it.each([
    ['statement_timeout', pgError('57014'), true],
    ['lock_timeout', pgError('55P03'), true],
    ['idle_in_transaction_session_timeout', pgError('25P03'), true],
    ['the adapter-mapped lock timeout', prismaRawError({ kind: 'postgres', code: '55P03' }), true],
    ['the pool wait', new Error('timeout exceeded when trying to connect'), true],
    ['the client read timeout', new Error('Query read timeout'), true],
    ['a deadlock', pgError('40P01'), false],
    ['a syntax error', pgError('42601'), false],
  ])('%s → %s', (_label, error, expected) => {
    expect(isDatabaseTimeout(error)).toBe(expected);
  });
});
