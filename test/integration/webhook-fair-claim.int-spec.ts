import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../../src/database/prisma.service';
import { NotificationDraft } from '../../src/notifications/notification';
import { NotificationRepository } from '../../src/notifications/notification.repository';
import { WebhookDeliveryRepository } from '../../src/notifications/webhooks/webhook-delivery.repository';
import { WebhookEndpointRepository } from '../../src/notifications/webhooks/webhook-endpoint.repository';
import { newEndpointId, newSigningSecret } from '../../src/notifications/webhooks/webhook-endpoint';
import { createOwnDatabase, onPostgres } from '../setup/own-database';
import { closeApp, createTestApp, uniqueTenant } from '../setup/test-app';

const notice = (i: number): NotificationDraft => ({
  workflow_id: `wf-${i}`,
  category: 'assignment',
  dedupe_key: `assignment:${i}`,
  recipient_account_id: null,
  recipient_role: 'admin',
  message: 'a notice',
  payload: {},
});

/** The claim reaches every tenant of its database: this file has a database of its own. */
describe('fair webhook claims across tenants (SPEC §15)', () => {
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let deliveries: WebhookDeliveryRepository;
  let drop = async () => {};

  beforeAll(async () => {
    let env: Record<string, string> = { DATABASE_URL: 'pglite:memory://' };
    if (onPostgres) {
      const db = await createOwnDatabase();
      env = { DATABASE_URL: db.url };
      drop = db.drop;
    }
    app = await createTestApp({ env });
    prisma = app.get(PrismaService);
    deliveries = app.get(WebhookDeliveryRepository);
  });
  afterAll(async () => {
    await closeApp(app);
    await drop();
  });

  async function tenantWith(pending: number, at: Date): Promise<string> {
    const tenant = uniqueTenant();
    await app.get(WebhookEndpointRepository).insert(prisma, {
      tenant_id: tenant,
      endpoint_id: newEndpointId(),
      url: 'https://93.184.216.34/hook',
      description: null,
      secret: newSigningSecret(),
      previous_secret: null,
      previous_secret_expires_at: null,
      enabled: true,
      disabled_reason: null,
      categories: [],
      consecutive_failures: 0,
      failing_since: null,
      disabled_count: 0,
      created_at: at,
      updated_at: at,
    });
    const drafts = Array.from({ length: pending }, (_, i) => notice(i));
    for (let i = 0; i < drafts.length; i += 250)
      await app.get(NotificationRepository).insertNew(prisma, tenant, drafts.slice(i, i + 250), at);
    return tenant;
  }

  it('gives a tenant with 1 due delivery a place in the first batch beside one with 1,000 older ones', async () => {
    const start = new Date(Date.now() - 60_000);
    const busy = await tenantWith(1000, start);
    const quiet = await tenantWith(1, new Date(start.getTime() + 30_000));
    const third = await tenantWith(3, new Date(start.getTime() + 40_000));
    const now = new Date();
    const lease = new Date(now.getTime() + 60_000);

    const first = await deliveries.claimDue(prisma, now, lease, 4);
    // Round robin: every tenant's oldest first (by due time), then the second turns.
    expect(first.map((c) => c.tenant_id)).toEqual([busy, quiet, third, busy]);

    // Every delivery is claimed exactly once however the batches fall.
    const seen = new Set(first.map((c) => c.delivery_id));
    for (;;) {
      const batch = await deliveries.claimDue(prisma, now, lease, 64);
      if (!batch.length) break;
      for (const c of batch) {
        expect(seen.has(c.delivery_id)).toBe(false);
        seen.add(c.delivery_id);
      }
    }
    expect(seen.size).toBe(1004);
    expect(await prisma.webhookDelivery.count({ where: { status: 'pending', next_attempt_at: { lte: now } } })).toBe(0);
  });

  it('claims nothing twice when two workers claim at once', async () => {
    const tenants = [await tenantWith(40, new Date(Date.now() - 10_000)), await tenantWith(40, new Date())];
    const now = new Date(Date.now() + 1000);
    const lease = new Date(now.getTime() + 60_000);
    const [a, b] = await Promise.all([
      deliveries.claimDue(prisma, now, lease, 50),
      deliveries.claimDue(prisma, now, lease, 50),
    ]);
    const ids = [...a, ...b].map((c) => c.delivery_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set([...a, ...b].map((c) => c.tenant_id))).toEqual(new Set(tenants));
  });
});
