import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../../src/database/prisma.service';
import { NotificationCategory, NotificationDraft } from '../../src/notifications/notification';
import { NotificationRepository } from '../../src/notifications/notification.repository';
import { WebhookDeliveryRepository } from '../../src/notifications/webhooks/webhook-delivery.repository';
import { WebhookEndpointRepository } from '../../src/notifications/webhooks/webhook-endpoint.repository';
import { newEndpointId } from '../../src/notifications/webhooks/webhook-endpoint';
import { closeApp, createTestApp, uniqueTenant } from '../setup/test-app';

const notice = (category: NotificationCategory, key: string): NotificationDraft => ({
  workflow_id: 'wf-1',
  category,
  dedupe_key: `${category}:${key}`,
  recipient_account_id: null,
  recipient_role: 'admin',
  message: `a ${category} notice`,
  payload: {},
});

describe('webhook outbox: deliveries written with their notifications', () => {
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let notifications: NotificationRepository;

  beforeAll(async () => {
    app = await createTestApp();
    prisma = app.get(PrismaService);
    notifications = app.get(NotificationRepository);
  });
  // On a shared PostgreSQL database another file's worker would try these endpoints: remove them.
  const tenants: string[] = [];
  afterEach(async () => {
    await prisma.webhookEndpoint.deleteMany({ where: { tenant_id: { in: tenants.splice(0) } } });
  });
  afterAll(() => closeApp(app));

  async function anEndpoint(tenantId: string, categories: string[], enabled = true): Promise<string> {
    tenants.push(tenantId);
    const now = new Date();
    const endpointId = newEndpointId();
    await app.get(WebhookEndpointRepository).insert(prisma, {
      tenant_id: tenantId,
      endpoint_id: endpointId,
      url: 'https://93.184.216.34/hook',
      description: null,
      secret: 'whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC0xMjM=',
      previous_secret: null,
      previous_secret_expires_at: null,
      enabled,
      disabled_reason: enabled ? null : 'disabled by test',
      categories,
      consecutive_failures: 0,
      failing_since: null,
      disabled_count: 0,
      created_at: now,
      updated_at: now,
    });
    return endpointId;
  }

  /** Category names of the notifications queued for an endpoint. */
  async function queued(tenantId: string, endpointId: string): Promise<string[]> {
    const deliveries = await prisma.webhookDelivery.findMany({
      where: { tenant_id: tenantId, endpoint_id: endpointId },
    });
    const rows = await prisma.workflowNotification.findMany({
      where: { tenant_id: tenantId, notification_id: { in: deliveries.map((d) => d.notification_id) } },
    });
    return rows.map((n) => n.category).sort();
  }

  it('matches each enabled endpoint’s categories (empty = all) and skips disabled endpoints', async () => {
    const tenant = uniqueTenant();
    const all = await anEndpoint(tenant, []);
    const escalations = await anEndpoint(tenant, ['escalation']);
    const twoKinds = await anEndpoint(tenant, ['approval', 'failure']);
    const disabled = await anEndpoint(tenant, [], false);
    const elsewhere = await anEndpoint(uniqueTenant(), []);
    await notifications.insertNew(
      prisma,
      tenant,
      [notice('assignment', 'a'), notice('escalation', 'b'), notice('approval', 'c'), notice('failure', 'd')],
      new Date(),
    );

    expect(await queued(tenant, all)).toEqual(['approval', 'assignment', 'escalation', 'failure']);
    expect(await queued(tenant, escalations)).toEqual(['escalation']);
    expect(await queued(tenant, twoKinds)).toEqual(['approval', 'failure']);
    expect(await queued(tenant, disabled)).toEqual([]);
    expect(await prisma.webhookDelivery.count({ where: { endpoint_id: elsewhere } })).toBe(0);
  });

  it('queues nothing for a notification that already existed (same dedupe key)', async () => {
    const tenant = uniqueTenant();
    const endpoint = await anEndpoint(tenant, []);
    await notifications.insertNew(prisma, tenant, [notice('assignment', 'same')], new Date());
    const again = await notifications.insertNew(
      prisma,
      tenant,
      [notice('assignment', 'same'), notice('approval', 'new')],
      new Date(),
    );
    expect(again.map((n) => n.category)).toEqual(['approval']);
    expect(await queued(tenant, endpoint)).toEqual(['approval', 'assignment']);
  });

  it('writes no delivery when the notification’s transaction rolls back', async () => {
    const tenant = uniqueTenant();
    const endpoint = await anEndpoint(tenant, []);
    await expect(
      prisma.$transaction(async (tx) => {
        await notifications.insertNew(tx, tenant, [notice('assignment', 'rolled-back')], new Date());
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await queued(tenant, endpoint)).toEqual([]);
    expect(await prisma.workflowNotification.count({ where: { tenant_id: tenant } })).toBe(0);
  });

  it('queues each delivery pending, due at the notification time, with a whd_ id', async () => {
    const tenant = uniqueTenant();
    const endpoint = await anEndpoint(tenant, []);
    const at = new Date('2026-11-25T10:00:00.000Z');
    await notifications.insertNew(prisma, tenant, [notice('assignment', 'x')], at);
    const [delivery] = await prisma.webhookDelivery.findMany({ where: { tenant_id: tenant, endpoint_id: endpoint } });
    expect(delivery).toMatchObject({
      status: 'pending',
      attempt_count: 0,
      next_attempt_at: at,
      first_attempt_at: null,
      created_at: at,
    });
    expect(delivery.delivery_id).toMatch(/^whd_[0-9a-f-]{36}$/);
  });

  it('claims due deliveries with the next attempt number and a lease, parks a disabled endpoint’s, and gives unstarted claims back', async () => {
    const repo = app.get(WebhookDeliveryRepository);
    const tenant = uniqueTenant();
    const live = await anEndpoint(tenant, []);
    const paused = await anEndpoint(tenant, [], false);
    await prisma.webhookEndpoint.update({
      where: { tenant_id_endpoint_id: { tenant_id: tenant, endpoint_id: paused } },
      data: { enabled: true },
    });
    const at = new Date(Date.now() - 1000);
    await notifications.insertNew(prisma, tenant, [notice('assignment', 'a'), notice('approval', 'b')], at);
    await prisma.webhookEndpoint.update({
      where: { tenant_id_endpoint_id: { tenant_id: tenant, endpoint_id: paused } },
      data: { enabled: false },
    });

    const now = new Date();
    const lease = new Date(now.getTime() + 60_000);
    // On a shared database other tenants' due deliveries are claimed too: give those back at once.
    const claimOurs = async () => {
      const all = await repo.claimDue(prisma, now, lease, 1000);
      await repo.release(
        prisma,
        all.filter((c) => c.tenant_id !== tenant),
        new Date(),
      );
      return all.filter((c) => c.tenant_id === tenant);
    };
    const claimed = await claimOurs();
    expect(claimed.map((c) => [c.endpoint_id, c.attempt_number, c.notification.tenant_id]).sort()).toEqual([
      [live, 1, tenant],
      [live, 1, tenant],
    ]);
    const rows = await prisma.webhookDelivery.findMany({ where: { tenant_id: tenant } });
    expect(
      rows
        .filter((d) => d.endpoint_id === live)
        .every((d) => d.next_attempt_at?.getTime() === lease.getTime() && d.attempt_count === 1),
    ).toBe(true);
    expect(
      rows.filter((d) => d.endpoint_id === paused).every((d) => d.next_attempt_at === null && d.attempt_count === 0),
    ).toBe(true);
    expect(await claimOurs()).toEqual([]);

    await repo.release(prisma, claimed, now);
    const released = await prisma.webhookDelivery.findMany({ where: { tenant_id: tenant, endpoint_id: live } });
    expect(
      released.every(
        (d) => d.attempt_count === 0 && d.first_attempt_at === null && d.next_attempt_at?.getTime() === now.getTime(),
      ),
    ).toBe(true);
  });
});
