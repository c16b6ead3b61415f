import { BeforeApplicationShutdown, Controller, OnModuleDestroy } from '@nestjs/common';
import { PrismaService } from '../../src/database/prisma.service';
import { createTestApp } from '../setup/test-app';

/**
 * Stands in for the schedulers, which stop and wait for a running SLA sweep and for webhook
 * attempts in these two hooks; whatever they still do there needs the database.
 */
@Controller()
class ShutdownProbe implements OnModuleDestroy, BeforeApplicationShutdown {
  readonly answers: Record<string, unknown> = {};

  constructor(private readonly prisma: PrismaService) {}

  async onModuleDestroy(): Promise<void> {
    this.answers.onModuleDestroy = await this.ask();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.answers.beforeApplicationShutdown = await this.ask();
  }

  private ask(): Promise<unknown> {
    return this.prisma.$queryRaw<{ one: number }[]>`SELECT 1 AS one`.then(
      (rows) => rows,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
  }
}

describe('shutdown order', () => {
  it('closes the database only after every other shutdown hook has run', async () => {
    const app = await createTestApp({ controllers: [ShutdownProbe] });
    const probe = app.get(ShutdownProbe);
    await app.close();
    expect(probe.answers).toEqual({ onModuleDestroy: [{ one: 1 }], beforeApplicationShutdown: [{ one: 1 }] });
  });
});
