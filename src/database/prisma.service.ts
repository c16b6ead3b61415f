import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import { DatabaseHandle } from './database-adapter';

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(readonly handle: DatabaseHandle) {
    super({ adapter: handle.factory });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
    await this.handle.close();
  }
}

/** What repositories take: the client, or the transaction a service opened. */
export type Db = PrismaService | Prisma.TransactionClient;
