import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../../src/database/prisma.service';
import { SlaSweepService } from '../../src/sla/sla-sweep.service';
import { WorkflowItemRepository } from '../../src/workflow/workflow-item.repository';
import { anEvent } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { createOwnDatabase } from '../setup/own-database';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

const HOUR = 3_600_000;

/**
 * SPEC §15: one global lock order. The SLA sweep used to take its items' trace locks one by one in
 * due order while a batch append takes them sorted by key: with two traces whose due order is the
 * reverse of their key order, each held the lock the other waited for and PostgreSQL aborted one
 * (40P01). Its own database: the sweep, hours ahead, reaches every tenant there.
 */
describe('SLA sweep beside a batch append on the same traces', () => {
  let app: NestExpressApplication;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const own = await createOwnDatabase();
    drop = own.drop;
    app = await createTestApp({
      env: {
        ...GENEROUS_LIMITS,
        DATABASE_URL: own.url,
        DG_MIGRATE_ON_START: 'true',
        DG_SLA_SWEEP_INTERVAL_SECONDS: '86400',
      },
    });
  });
  afterAll(async () => {
    await closeApp(app);
    await drop?.();
  });

  it('takes every trace lock in the append order, so neither side deadlocks or is retried', async () => {
    const tenant = uniqueTenant('order');
    const api = apiAs(app, tenant, DEV_TOKENS.admin);
    const prisma = app.get(PrismaService);
    // `low` sorts before `high` by lock key; `high`'s item is due first, so the sweep reaches it first.
    const [low, high] = await tracesInKeyOrder(prisma, tenant, 'trace-a', 'trace-b');
    for (const [traceId, age] of [
      [high, 2 * HOUR],
      [low, HOUR],
    ] as const) {
      await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: traceId })).expect(201);
      const requested = anEvent('ExceptionRequested', {
        trace_id: traceId,
        trace_seq: 1,
        occurred_at: new Date(Date.now() - age).toISOString(),
      });
      await api.post('/api/v1/events', requested).expect(201);
    }

    // The sweep pauses at its first item, holding what it has locked so far.
    let paused!: () => void;
    const atFirstItem = new Promise<void>((resolve) => (paused = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const items = app.get(WorkflowItemRepository);
    const findForUpdate = items.findForUpdate.bind(items);
    let calls = 0;
    jest.spyOn(items, 'findForUpdate').mockImplementation(async (...args) => {
      if (calls++ === 0) {
        paused();
        await resumed;
      }
      return findForUpdate(...args);
    });
    const retriesBefore = prisma.retries;
    const sweep = app.get(SlaSweepService).sweep(new Date(Date.now() + 5 * HOUR));
    await atFirstItem;

    const batch = api
      .post('/api/v1/events/batch', {
        events: [
          anEvent('InputObserved', { trace_id: low, trace_seq: 2 }),
          anEvent('InputObserved', { trace_id: high, trace_seq: 2 }),
        ],
      })
      .then((res) => res);
    await untilSomeoneWaitsOnAnAdvisoryLock(prisma);
    resume();

    const [result, res] = await Promise.all([sweep, batch]);
    expect(res.status).toBe(201);
    expect(result.items).toBe(2);
    expect(prisma.retries).toBe(retriesBefore);
    for (const traceId of [low, high]) {
      const wf = encodeURIComponent(`${traceId}:exception:ex-1`);
      const { workflow } = (await api.get(`/api/v1/workflows/${wf}`).expect(200)).body.data;
      expect(workflow).toMatchObject({ status: 'escalated', escalation_count: 1 });
    }
  });
});

/** The two trace ids ordered by the advisory-lock key appends take them by. */
async function tracesInKeyOrder(
  prisma: PrismaService,
  tenant: string,
  a: string,
  b: string,
): Promise<[string, string]> {
  const [row] = await prisma.$queryRaw<{ a_first: boolean }[]>`
    SELECT hashtextextended(${tenant} || chr(31) || ${a}, 0) < hashtextextended(${tenant} || chr(31) || ${b}, 0) AS a_first`;
  return row.a_first ? [a, b] : [b, a];
}

async function untilSomeoneWaitsOnAnAdvisoryLock(prisma: PrismaService): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [row] = await prisma.$queryRaw<{ waiting: boolean }[]>`
      SELECT EXISTS (
        SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      ) AS waiting`;
    if (row.waiting) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the batch append never waited on a trace lock');
}
