import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import { DatabaseHandle } from './database-adapter';

@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(readonly handle: DatabaseHandle) {
    super({ adapter: handle.factory });
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
