import { Injectable } from '@nestjs/common';
import { DatabaseError, Pool, PoolClient, type QueryResultRow } from 'pg';
import type { Prisma } from '../generated/prisma/client';
import { DomainError } from '../common/error-codes';
import { DriverTx } from './driver-tx';
import { PrismaService } from './prisma.service';

/**
 * Transactions on the pg driver itself, beside Prisma and on the same pool, for the one hot path
 * where Prisma's per-query cost decides the throughput: the single-event append (bench/README.md,
 * "Ingest"). PostgreSQL only: on the embedded database `available` is false and callers stay on
 * Prisma.
 */
@Injectable()
export class DriverTransactionsService {
  private readonly pool: Pool | undefined;

  constructor(private readonly prisma: PrismaService) {
    this.pool = prisma.handle.pool;
  }

  get available(): boolean {
    return this.pool !== undefined;
  }

  /**
   * BEGIN, `work`, COMMIT (see DriverTx for how they share round trips); ROLLBACK if `work`
   * throws. `maxWaitMs` bounds the wait for a connection. A deadlock or serialization failure runs
   * the whole transaction again, as Prisma's do (PrismaService.retrying).
   */
  run<T>(work: (tx: DriverTx) => Promise<T>, maxWaitMs: number): Promise<T> {
    return this.prisma.retrying(() => this.runOnce(work, maxWaitMs));
  }

  /**
   * One read statement outside a transaction: on PostgreSQL straight on the driver (unnamed, so
   * planned for its parameters each time, as Prisma plans it), on the embedded database through
   * Prisma. For the hot reads where Prisma's per-query cost is most of the request's (the inbox,
   * bench/README.md "Workflow"). Rows come back as each side decodes them (DriverTx): a reader
   * takes bigint columns through Number().
   */
  async read<T extends object>(sql: Prisma.Sql): Promise<T[]> {
    if (!this.pool) return this.prisma.$queryRaw<T[]>(sql);
    const result = await this.pool.query<T & QueryResultRow>({ text: sql.text, values: sql.values });
    return result.rows;
  }

  private async runOnce<T>(work: (tx: DriverTx) => Promise<T>, maxWaitMs: number): Promise<T> {
    const client = await this.connect(maxWaitMs);
    let broken: Error | undefined;
    const tx = new DriverTx(client);
    try {
      const result = await work(tx);
      await tx.commit();
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw e;
    } finally {
      // A connection that could not roll back is closed rather than returned to the pool.
      client.release(broken);
    }
  }

  /** Like Prisma's transaction maxWait (P2028), answered as the same storage error. */
  private async connect(maxWaitMs: number): Promise<PoolClient> {
    if (!this.pool) throw new Error('driver transactions need PostgreSQL; check `available` first');
    const pending = this.pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DomainError('storage', 'The database is busy; retry later')), maxWaitMs);
    });
    try {
      return await Promise.race([pending, timeout]);
    } catch (e) {
      pending.then(
        (late) => late.release(),
        () => undefined,
      );
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A unique-constraint violation raised by the driver (SQLSTATE 23505). */
export function isDriverUniqueViolation(e: unknown): boolean {
  return e instanceof DatabaseError && e.code === '23505';
}
