import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import { DatabaseHandle } from './database-adapter';
import { RetryPolicy, withTransactionRetry } from './transaction-retry';

/** No retry: what a client built without a policy (tooling) does. */
const NO_RETRY: RetryPolicy = { attempts: 1, baseDelayMs: 0 };

@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  /** Retries of deadlocked and serialization-failed transactions seen since start (dg_database_retries_total). */
  retries = 0;

  constructor(
    readonly handle: DatabaseHandle,
    readonly retryPolicy: RetryPolicy = NO_RETRY,
  ) {
    super({ adapter: handle.factory });
    // The transaction boundary, for every service at once: an interactive transaction that lost a
    // deadlock or a serialization check is run again from the start (SPEC §15), then answered 503.
    const transaction = this.$transaction.bind(this) as (...args: unknown[]) => Promise<unknown>;
    this.$transaction = ((arg: unknown, options?: unknown) =>
      typeof arg === 'function'
        ? this.retrying(() => transaction(arg, options))
        : transaction(arg, options)) as PrismaClient['$transaction'];
  }

  /** Runs a whole transaction of the caller's (BEGIN to COMMIT) under the retry policy. */
  retrying<T>(work: () => Promise<T>): Promise<T> {
    return withTransactionRetry(work, this.retryPolicy, () => (this.retries += 1));
  }

  /**
   * The last shutdown hook, not onModuleDestroy: Nest runs every onModuleDestroy and
   * beforeApplicationShutdown first, and the schedulers' (a running SLA sweep, webhook attempts
   * being recorded) still need the database there.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.handle.close();
  }
}

/** What repositories take: the client, or the transaction a service opened. */
export type Db = PrismaService | Prisma.TransactionClient;
