import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { shippedMigrationNames } from './migrations';
import { PrismaService } from './prisma.service';

export type Readiness =
  { ready: true } | { ready: false; reason: 'database_unreachable' | 'migrations_pending'; pending?: string[] };

/** At most one database check per this long, whatever the probe rate (SPEC §15). */
const CHECK_INTERVAL_MS = 1_000;
/** A database that has not answered the check in this long is reported unreachable. */
const CHECK_TIMEOUT_MS = 2_000;

@Injectable()
export class DatabaseReadinessService {
  private shipped: Promise<string[]> | undefined;
  private last: { at: number; result: Promise<Readiness>; settled: boolean } | undefined;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Ready when the database answers and every migration shipped with this build is applied. A
   * check answers every probe for CHECK_INTERVAL_MS after it started (concurrent probes share it),
   * so an unauthenticated probe flood costs the database one query a second.
   */
  check(): Promise<Readiness> {
    const now = performance.now();
    if (!this.last || (this.last.settled && now - this.last.at >= CHECK_INTERVAL_MS)) {
      const last = { at: now, result: withTimeout(this.checkNow()), settled: false };
      void last.result.finally(() => (last.settled = true));
      this.last = last;
    }
    return this.last.result;
  }

  private async checkNow(): Promise<Readiness> {
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

async function withTimeout(check: Promise<Readiness>): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Readiness>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, reason: 'database_unreachable' }), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check, late]);
  } finally {
    clearTimeout(timer);
  }
}
