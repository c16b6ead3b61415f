import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../../src/database/prisma.service';
import { EventAppenderService } from '../../src/ingestion/event-appender.service';
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
        await app.get(EventAppenderService).append(tx, tenant, [validateEvent(slow, { floats: [], unsafeIntegers: [] })], { recordedAt: new Date() });
        appended();
        await held;
      },
      { timeout: 30_000 },
    );
    await inFlight;
    const fast = anEvent('TraceStarted', { trace_id: 'fast' });
    await api.post('/api/v1/events', fast).expect(201);

    const order: string[] = [];
    const page = api.get('/api/v1/events?since_log_seq=0').then((res) => {
      order.push('feed answered');
      return res;
    });
    // Let the feed request reach its wait before the slow append commits.
    await new Promise((resolve) => setTimeout(resolve, 300));
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
});
