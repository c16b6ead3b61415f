import type { NestExpressApplication } from '@nestjs/platform-express';
import { Webhook } from 'standardwebhooks';
import { Clock } from '../../src/common/clock';
import { PrismaService } from '../../src/database/prisma.service';
import { apiAs } from '../setup/api-client';
import { createOwnDatabase, onPostgres } from '../setup/own-database';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';
import { exceptionRequests, FAST_DELIVERY, ReceivedWebhook, WebhookReceiver } from '../setup/webhook-receiver';

const BASE = '/api/v1/admin/webhooks';
const MINUTE_MS = 60_000;
/** How far the clock moves per step: well under a claim's lease (2 × 5 s + 60 s), so no lease runs out mid-attempt. */
const STEP_MS = 15_000;

/** The service's clock, moved forward by the test. */
class SteppingClock extends Clock {
  offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

/**
 * A receiver that answers 503 for ten minutes of the service's clock, then 200 (SPEC §8: retried
 * with backoff, delivered once it is back). The clock is moved 15 s at a time, and only while no
 * attempt is in flight, so ten minutes take a few seconds and each step is like time passing
 * between attempts. The retry backoff is the default base (5 s) with its cap lowered to 2 min, so
 * the deliveries are retried throughout the outage (about ten times each) and soon after it.
 *
 * The contract promises no order between deliveries (README "Webhooks": receivers deduplicate on
 * `webhook-id`; each notification carries its `created_at`), so none is asserted.
 */
describe('webhook receiver down for ten minutes, then back', () => {
  /** On PostgreSQL a database of its own: a clock minutes ahead would claim other test files' deliveries. */
  let own: Awaited<ReturnType<typeof createOwnDatabase>> | undefined;
  let app: NestExpressApplication;
  let receiver: WebhookReceiver;
  const clock = new SteppingClock();

  beforeAll(async () => {
    if (onPostgres) own = await createOwnDatabase();
    receiver = await WebhookReceiver.create();
    app = await createTestApp({
      clock,
      env: {
        ...FAST_DELIVERY,
        DG_WEBHOOK_RETRY_BASE_MS: '5000',
        DG_WEBHOOK_RETRY_MAX_MS: String(2 * MINUTE_MS),
        ...(own ? { DATABASE_URL: own.url } : {}),
      },
    });
  });
  afterAll(async () => {
    await closeApp(app);
    await receiver?.stop();
    await own?.drop();
  });

  it('delivers every notification once, each attempt validly signed', async () => {
    const tenant = uniqueTenant();
    const api = apiAs(app, tenant, DEV_TOKENS.admin);
    const prisma = app.get(PrismaService);
    const start = clock.now().getTime();
    const upAt = start + 10 * MINUTE_MS;
    receiver.respond = () => (clock.now().getTime() < upAt ? 503 : 200);
    const endpoints = new Map<string, { endpoint_id: string; secret: string }>();
    for (const path of ['/a', '/b'])
      endpoints.set(
        path,
        (await api.post(BASE, { url: receiver.url(path), categories: ['assignment'] }).expect(201)).body.data,
      );

    /** Claimed, lease not over, attempt not recorded. */
    const inFlight = async () => {
      const [{ n }] = await prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM dg_webhook_deliveries d
        WHERE d.tenant_id = ${tenant} AND d.status = 'pending' AND d.attempt_count > 0
          AND d.next_attempt_at > ${clock.now()}::timestamptz
          AND NOT EXISTS (SELECT 1 FROM dg_webhook_attempts a
            WHERE a.tenant_id = d.tenant_id AND a.delivery_id = d.delivery_id AND a.attempt_number = d.attempt_count)`;
      return n > 0;
    };
    const advanceUntil = async (what: string, done: () => Promise<boolean>) => {
      for (let i = 0; i < 2000; i++) {
        if (await done()) return;
        if (!(await inFlight())) clock.offsetMs += STEP_MS;
        await new Promise((r) => setTimeout(r, 30));
      }
      throw new Error(`gave up waiting for ${what}`);
    };

    await exceptionRequests(api, 'before', 10);
    await advanceUntil('three minutes into the outage', async () => clock.now().getTime() >= start + 3 * MINUTE_MS);
    await exceptionRequests(api, 'during', 5);
    await advanceUntil(
      'every delivery to succeed',
      async () =>
        (await prisma.webhookDelivery.count({ where: { tenant_id: tenant, status: 'succeeded' } })) === 30 &&
        !(await inFlight()),
    );

    const deliveries = await prisma.webhookDelivery.findMany({ where: { tenant_id: tenant } });
    expect(deliveries).toHaveLength(30);
    const attempts = await prisma.webhookAttempt.findMany({
      where: { tenant_id: tenant },
      orderBy: [{ delivery_id: 'asc' }, { attempt_number: 'asc' }],
    });
    const notifications = new Map(
      (await prisma.workflowNotification.findMany({ where: { tenant_id: tenant } })).map((n) => [n.notification_id, n]),
    );
    for (const [path, endpoint] of endpoints) {
      const received = receiver.at(path);
      const mine = deliveries.filter((d) => d.endpoint_id === endpoint.endpoint_id);
      expect(mine).toHaveLength(15);
      // Delivered once: one 200 per delivery, none for anything else.
      const delivered = received.filter((r) => r.status === 200).map((r) => r.headers['webhook-id']);
      expect(delivered.sort()).toEqual(mine.map((d) => d.delivery_id).sort());
      for (const d of mine) {
        const sent = received.filter((r) => r.headers['webhook-id'] === d.delivery_id);
        const recorded = attempts.filter((a) => a.delivery_id === d.delivery_id);
        // Every send was recorded, in order: 503s while down, then the one 200.
        expect(recorded.map((a) => a.attempt_number)).toEqual(recorded.map((_, i) => i + 1));
        expect(recorded.map((a) => a.response_status)).toEqual(sent.map((r) => r.status));
        expect(sent.map((r) => r.status)).toEqual([...sent.slice(1).map(() => 503), 200]);
        // Sent during the outage and retried until after it.
        expect(sent.length).toBeGreaterThanOrEqual(2);
        expect(d.attempt_count).toBe(sent.length);
        for (const request of sent) {
          expectValidSignature(request, endpoint.secret);
          const body = JSON.parse(request.body) as { type: string; data: { notification_id: string } };
          expect(body).toMatchObject({
            type: 'workflow.notification.assignment',
            data: { notification_id: d.notification_id },
          });
          expect(notifications.has(body.data.notification_id)).toBe(true);
        }
      }
      const [lastBefore] = received.filter((r) => r.status === 503).slice(-1);
      expect(Number(lastBefore.headers['webhook-timestamp']) * 1000).toBeLessThan(upAt);
      expect((await api.get(`${BASE}/${endpoint.endpoint_id}`).expect(200)).body.data).toMatchObject({
        enabled: true,
        consecutive_failures: 0,
      });
    }
    // The receiver saw the outage run its course on the service's clock.
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(upAt);
  }, 120_000);
});

/**
 * Standard Webhooks: `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` among
 * the space-separated signatures. Checked by signing again rather than with `verify`, whose
 * five-minute tolerance is against the real clock, not the service's.
 */
function expectValidSignature(request: ReceivedWebhook, secret: string): void {
  const id = request.headers['webhook-id'] as string;
  const timestamp = new Date(Number(request.headers['webhook-timestamp']) * 1000);
  const expected = new Webhook(secret).sign(id, timestamp, request.body);
  expect((request.headers['webhook-signature'] as string).split(' ')).toContain(expected);
  const other = new Webhook(`whsec_${Buffer.from('not the secret, 32 bytes long!!!').toString('base64')}`);
  expect((request.headers['webhook-signature'] as string).split(' ')).not.toContain(
    other.sign(id, timestamp, request.body),
  );
}
