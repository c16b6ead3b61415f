import { DatabaseError, Pool } from 'pg';
import { DomainError } from '../common/error-codes';
import { Prisma } from '../generated/prisma/client';
import { DriverTransactionsService, isDriverUniqueViolation } from './driver-transactions.service';
import { withTransactionRetry } from './transaction-retry';
import type { PrismaService } from './prisma.service';

/** A pg connection that records what it was sent and how it went back to the pool. */
class RecordingClient {
  readonly sent: string[] = [];
  released: { error: Error | undefined } | undefined;

  constructor(private readonly failOn: string | undefined = undefined) {}

  async query(q: string | { name: string; text: string; values: unknown[] }) {
    const text = typeof q === 'string' ? q : `${q.name}: ${q.text} ${JSON.stringify(q.values)}`;
    this.sent.push(text);
    if (text === this.failOn) throw new Error(`connection lost during ${text}`);
    return { rows: [{ ok: 1 }] };
  }

  release(error?: Error) {
    this.released = { error };
  }
}

const RETRY = { attempts: 3, baseDelayMs: 0 };

function serviceOn(connect: () => Promise<RecordingClient>): DriverTransactionsService {
  const pool = { connect } as unknown as Pool;
  const retrying = <T>(work: () => Promise<T>) => withTransactionRetry(work, RETRY);
  return new DriverTransactionsService({ handle: { pool }, retrying } as unknown as PrismaService);
}

const deadlock = () => Object.assign(new DatabaseError('deadlock detected', 1, 'error'), { code: '40P01' });

describe(DriverTransactionsService.name, () => {
  it('is unavailable without a pg pool (the embedded database)', () => {
    expect(new DriverTransactionsService({ handle: {} } as unknown as PrismaService).available).toBe(false);
  });

  it('wraps the work in BEGIN and COMMIT and returns the connection', async () => {
    const client = new RecordingClient();
    const result = await serviceOn(async () => client).run(
      (tx) => tx.query('probe', Prisma.sql`SELECT ${'a'}::text AS x`),
      1000,
    );
    expect(result).toEqual([{ ok: 1 }]);
    expect(client.sent).toEqual(['BEGIN', 'probe: SELECT $1::text AS x ["a"]', 'COMMIT']);
    expect(client.released).toEqual({ error: undefined });
  });

  it('sends COMMIT right behind the statement marked last, and no second one', async () => {
    const client = new RecordingClient();
    await serviceOn(async () => client).run(async (tx) => {
      await tx.query('read', Prisma.sql`SELECT 1`);
      tx.commitAfterNextStatement();
      return tx.query('write', Prisma.sql`SELECT 2`);
    }, 1000);
    expect(client.sent).toEqual(['BEGIN', 'read: SELECT 1 []', 'write: SELECT 2 []', 'COMMIT']);
  });

  it('rolls back when the statement marked last fails, whatever its queued COMMIT did', async () => {
    const client = new RecordingClient('write: SELECT 2 []');
    const work = serviceOn(async () => client).run(async (tx) => {
      tx.commitAfterNextStatement();
      return tx.query('write', Prisma.sql`SELECT 2`);
    }, 1000);
    await expect(work).rejects.toThrow('connection lost during write: SELECT 2 []');
    expect(client.sent).toEqual(['BEGIN', 'write: SELECT 2 []', 'COMMIT', 'ROLLBACK']);
    expect(client.released).toEqual({ error: undefined });
  });

  it('rolls back and rethrows when the work fails', async () => {
    const client = new RecordingClient();
    const refusal = new DomainError('conflict', 'refused');
    await expect(serviceOn(async () => client).run(() => Promise.reject(refusal), 1000)).rejects.toBe(refusal);
    expect(client.sent).toEqual(['BEGIN', 'ROLLBACK']);
    expect(client.released).toEqual({ error: undefined });
  });

  it('runs the whole transaction again on a fresh BEGIN after a deadlock', async () => {
    const clients = [new RecordingClient(), new RecordingClient()];
    let runs = 0;
    let connects = 0;
    const result = await serviceOn(async () => clients[connects++]).run(async (tx) => {
      runs += 1;
      await tx.query('lock', Prisma.sql`SELECT 1`);
      if (runs === 1) throw deadlock();
      return 'done';
    }, 1000);
    expect(result).toBe('done');
    expect(clients.map((c) => c.sent)).toEqual([
      ['BEGIN', 'lock: SELECT 1 []', 'ROLLBACK'],
      ['BEGIN', 'lock: SELECT 1 []', 'COMMIT'],
    ]);
  });

  it('answers 503 storage when every run deadlocks', async () => {
    let runs = 0;
    const work = serviceOn(async () => new RecordingClient()).run(async () => {
      runs += 1;
      throw deadlock();
    }, 1000);
    await expect(work).rejects.toMatchObject({ code: 'storage' });
    expect(runs).toBe(RETRY.attempts);
  });

  it('closes a connection that cannot roll back instead of pooling it', async () => {
    const client = new RecordingClient('ROLLBACK');
    await expect(
      serviceOn(async () => client).run(() => Promise.reject(new Error('work failed')), 1000),
    ).rejects.toThrow('work failed');
    expect(client.released?.error?.message).toBe('connection lost during ROLLBACK');
  });

  it('answers the storage error when no connection frees up in time, and returns the late one', async () => {
    const late = new RecordingClient();
    let hand: (c: RecordingClient) => void = () => undefined;
    const service = serviceOn(() => new Promise((resolve) => (hand = resolve)));
    await expect(service.run(async () => 'never', 10)).rejects.toMatchObject({ code: 'storage' });
    hand(late);
    await new Promise((resolve) => setImmediate(resolve));
    expect(late.sent).toEqual([]);
    expect(late.released).toEqual({ error: undefined });
  });
});

describe(isDriverUniqueViolation.name, () => {
  it('recognises SQLSTATE 23505 only', () => {
    const error = (code: string) => Object.assign(new DatabaseError('duplicate key', 1, 'error'), { code });
    expect(isDriverUniqueViolation(error('23505'))).toBe(true);
    expect(isDriverUniqueViolation(error('40P01'))).toBe(false);
    expect(isDriverUniqueViolation(new Error('23505'))).toBe(false);
  });
});
