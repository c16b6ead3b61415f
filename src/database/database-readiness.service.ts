import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { shippedMigrationNames } from './migrations';
import { PrismaService } from './prisma.service';

export type Readiness =
  { ready: true } | { ready: false; reason: 'database_unreachable' | 'migrations_pending'; pending?: string[] };

@Injectable()
export class DatabaseReadinessService {
  private shipped: Promise<string[]> | undefined;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Ready when the database answers and every migration shipped with this build is applied. */
  async check(): Promise<Readiness> {
    this.shipped ??= shippedMigrationNames(this.config.database.migrationsDir);
    const shipped = await this.shipped;
    let applied: { migration_name: string }[];
    try {
      applied = await this.prisma.$queryRaw<{ migration_name: string }[]>`
        SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    } catch (e) {
      if (isMissingTable(e)) return { ready: false, reason: 'migrations_pending', pending: shipped };
      return { ready: false, reason: 'database_unreachable' };
    }
    const done = new Set(applied.map((r) => r.migration_name));
    const pending = shipped.filter((name) => !done.has(name));
    return pending.length ? { ready: false, reason: 'migrations_pending', pending } : { ready: true };
  }
}

function isMissingTable(e: unknown): boolean {
  return /_prisma_migrations|does not exist/.test(String((e as Error)?.message ?? e));
}
