import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { openDatabase } from './database-adapter';
import { DatabaseReadinessService } from './database-readiness.service';
import { DriverTransactionsService } from './driver-transactions.service';
import { deployMigrations } from './migrations';
import { PrismaService } from './prisma.service';
import { TraceLocks } from './trace-locks';

/** The first retry after a deadlock waits up to this long, the next twice as long (transaction-retry.ts). */
const RETRY_BASE_DELAY_MS = 20;

@Global()
@Module({
  providers: [
    {
      provide: PrismaService,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const { url, poolSize, timeouts, embeddedSharedBuffersMb } = config.database;
        const db = await openDatabase(url, poolSize, timeouts, embeddedSharedBuffersMb);
        if (config.database.migrateOnStart) {
          const applied = await deployMigrations(db, config.database.migrationsDir);
          if (applied.length) new Logger('DatabaseModule').log(`applied migrations: ${applied.join(', ')}`);
        }
        return new PrismaService(db, { attempts: config.database.retryAttempts, baseDelayMs: RETRY_BASE_DELAY_MS });
      },
    },
    DatabaseReadinessService,
    DriverTransactionsService,
    TraceLocks,
  ],
  exports: [PrismaService, DatabaseReadinessService, DriverTransactionsService, TraceLocks],
})
export class DatabaseModule {}
