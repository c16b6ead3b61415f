import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../../src/database/prisma.service';
import { TraceLocks } from '../../src/database/trace-locks';
import { EventAppenderService } from '../../src/ingestion/event-appender.service';
import { EventLogRepository } from '../../src/ingestion/event-log.repository';
import { validateEvent } from '../../src/ingestion/event-validation';
import { anEvent } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, uniqueTenant } from '../setup/test-app';

type FeedPage = { events: { event_id: string; log_seq: number }[]; next_since_log_seq: number };

/**
 * SPEC §5.7's feed under concurrent appends: a sequence value can commit after a larger one (§6.2),
 * and a consumer paging on must not skip the smaller. Needs two transactions at once, which the
 * embedded database (one connection) never runs.
 */
describe('GET /api/v1/events while a smaller log_seq is still in flight', () => {
  let app: NestExpressApplication;
  beforeAll(async () => {
    app = await createTestApp({ env: GENEROUS_LIMITS });
  });
  afterAll(() => closeApp(app));

  it('waits for the append holding the smaller log_seq, so that paging on skips nothing', async () => {
    const tenant = uniqueTenant('feed');
    const api = apiAs(app, tenant);
    const slow = anEvent('TraceStarted', { trace_id: 'slow' });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const inFlight = new Promise<void>((resolve) => (appended = resolve));
    // The slow append takes its log_seq, then holds its transaction open.
    const slowCommitted = app.get(PrismaService).$transaction(
      async (tx) => {
        await app
          .get(EventAppenderService)
          .append(tx, tenant, [validateEvent(slow, { floats: [], unsafeIntegers: [] })], {
            recordedAt: new Date(),
            recordedBy: 'dev-writer',
          });
        appended();
        await held;
      },
      { timeout: 30_000 },
    );
    await inFlight;
    const fast = anEvent('TraceStarted', { trace_id: 'fast' });
    await api.post('/api/v1/events', fast).expect(201);

    const order: string[] = [];
    // Commit the slow append once the feed read has found it in flight (or after 2 s, so that a
    // feed that does not wait fails the assertions below rather than hanging).
    const lookedUp = new Promise<void>((resolve) => {
      const repository = app.get(EventLogRepository);
      const original = repository.appendsInFlight.bind(repository);
      jest.spyOn(repository, 'appendsInFlight').mockImplementation(async (...args) => {
        const found = await original(...args);
        if (found.length) resolve();
        return found;
      });
      setTimeout(resolve, 2_000);
    });
    const page = api.get('/api/v1/events?since_log_seq=0').then((res) => {
      order.push('feed answered');
      return res;
    });
    await lookedUp;
    order.push('slow append committing');
    release();
    await slowCommitted;
    const res = await page;
    expect(res.status).toBe(200);
    const feed = res.body.data as FeedPage;

    expect(order).toEqual(['slow append committing', 'feed answered']);
    expect(feed.events.map((e) => e.event_id)).toEqual([slow.event_id, fast.event_id]);
    expect(feed.events[0].log_seq).toBeLessThan(feed.events[1].log_seq);
  });

  it('does not wait for an append that is still queued behind another on its trace lock', async () => {
    const tenant = uniqueTenant('feed');
    const api = apiAs(app, tenant);
    const prisma = app.get(PrismaService);
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'hot' })).expect(201);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const holder = prisma.$transaction(
      async (tx) => {
        await app.get(TraceLocks).lock(tx, tenant, ['hot']);
        locked();
        await held;
      },
      { timeout: 30_000 },
    );
    await holding;
    const queued = api
      .post('/api/v1/events', anEvent('InputObserved', { trace_id: 'hot', trace_seq: 1 }))
      .then((res) => res.status);
    await waitForTraceLockWaiter(prisma, tenant, 'hot');

    const res = await api.get('/api/v1/events?since_log_seq=0');
    expect(res.status).toBe(200);
    expect(res.body.data.events).toHaveLength(1);
    release();
    await holder;
    expect(await queued).toBe(201);
  });
});

/** Until some transaction waits for the (tenant, trace) advisory lock, as a queued append does. */
async function waitForTraceLockWaiter(prisma: PrismaService, tenant: string, traceId: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [row] = await prisma.$queryRaw<{ waiting: boolean }[]>`
      WITH k AS (SELECT hashtextextended(${tenant} || chr(31) || ${traceId}, 0) AS key)
      SELECT EXISTS (
        SELECT 1 FROM pg_locks, k WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
          AND classid::bigint = ((k.key >> 32) & 4294967295) AND objid::bigint = (k.key & 4294967295)
      ) AS waiting`;
    if (row.waiting) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no append queued on trace ${traceId}`);
}
