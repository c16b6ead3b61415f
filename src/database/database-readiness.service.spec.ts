import type { AppConfig } from '../config/app-config';
import { DatabaseReadinessService } from './database-readiness.service';
import type { PrismaService } from './prisma.service';

function readinessOn(query: () => Promise<{ migration_name: string }[]>) {
  const queries = { count: 0 };
  const prisma = {
    $queryRaw: () => {
      queries.count += 1;
      return query();
    },
  } as unknown as PrismaService;
  const config = { database: { migrationsDir: 'prisma/migrations' } } as AppConfig;
  return { service: new DatabaseReadinessService(prisma, config), queries };
}

describe(DatabaseReadinessService.name, () => {
  it('checks the database at most once a second, however many probes arrive', async () => {
    const { service, queries } = readinessOn(async () => []);
    const results = await Promise.all(Array.from({ length: 50 }, () => service.check()));
    for (let i = 0; i < 50; i++) await service.check();
    expect(queries.count).toBe(1);
    expect(results[0]).toMatchObject({ ready: false, reason: 'migrations_pending' });
  });

  it('answers every probe from the one check in flight while the database is slow', async () => {
    let answer: (rows: { migration_name: string }[]) => void = () => undefined;
    const { service, queries } = readinessOn(() => new Promise((resolve) => (answer = resolve)));
    const probes = [service.check(), service.check(), service.check()];
    await new Promise((resolve) => setImmediate(resolve));
    answer([]);
    await Promise.all(probes);
    expect(queries.count).toBe(1);
  });
});
