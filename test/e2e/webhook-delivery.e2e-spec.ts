import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { PrismaService } from '../../src/database/prisma.service';
import { apiAs } from '../setup/api-client';
import { createOwnDatabase, onPostgres } from '../setup/own-database';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';
import { eventually, exceptionRequests as exceptions, FAST_DELIVERY, WebhookReceiver } from '../setup/webhook-receiver';

const BASE = '/api/v1/admin/webhooks';

/** The embedded database must outlive an app that is closed and created again: a directory, not memory. */
const persistentDataDir = () => (onPostgres ? undefined : mkdtempSync(join(tmpdir(), 'dg-webhooks-')));
const databaseIn = (dataDir: string | undefined): Record<string, string> =>
  dataDir ? { DATABASE_URL: `pglite:${dataDir}` } : {};

type Api = ReturnType<typeof apiAs>;
type Attempt = {
  attempt_number: number;
  response_status: number | null;
  error: string | null;
  response_body: string | null;
};
type Delivery = {
  delivery_id: string;
  notification_id: string;
  status: string;
  attempt_count: number;
  attempts: Attempt[];
};

async function deliveries(api: Api, endpointId: string, query = ''): Promise<Delivery[]> {
  return (await api.get(`${BASE}/${endpointId}/deliveries?limit=100${query}`).expect(200)).body.data.deliveries;
}

async function createEndpoint(
  api: Api,
  url: string,
  categories?: string[],
): Promise<{ endpoint_id: string; secret: string }> {
  return (await api.post(BASE, { url, ...(categories ? { categories } : {}) }).expect(201)).body.data;
}

describe('webhook delivery to a live receiver (SPEC §8)', () => {
  let app: NestExpressApplication;
  let receiver: WebhookReceiver;
  let api: Api;
  const created: [Api, string][] = [];
  const endpoint = async (path: string, categories?: string[]) => {
    const e = await createEndpoint(api, receiver.url(path), categories);
    created.push([api, e.endpoint_id]);
    return e;
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.create();
    app = await createTestApp({ env: FAST_DELIVERY });
  });
  beforeEach(() => {
    api = apiAs(app, uniqueTenant(), DEV_TOKENS.admin);
  });
  // Endpoints go with their test, so that no other test's worker keeps retrying them.
  afterEach(async () => {
    receiver.respond = () => 200;
    for (const [owner, id] of created.splice(0)) await owner.delete(`${BASE}/${id}`);
  });
  afterAll(async () => {
    await closeApp(app);
    await receiver.stop();
  });

  it('POSTs the notification, signed so that standardwebhooks verifies it', async () => {
    const { endpoint_id, secret } = await endpoint('/signed');
    await exceptions(api, 'signed', 1);
    const [request] = await eventually(
      'the delivery',
      () => receiver.at('/signed').length > 0 && receiver.at('/signed'),
    );
    const verified = new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as Record<
      string,
      unknown
    >;
    const [notification] = (await api.get('/api/v1/notifications').expect(200)).body.data.notifications;
    expect(verified).toEqual({
      type: 'workflow.notification.assignment',
      timestamp: notification.created_at,
      data: notification,
    });
    expect(request.headers['content-type']).toBe('application/json');
    expect(() =>
      new Webhook(`whsec_${Buffer.from('not the secret at all!').toString('base64')}`).verify(
        request.body,
        request.headers as Record<string, string>,
      ),
    ).toThrow();

    const [delivery] = await eventually('the recorded success', async () => {
      const list = await deliveries(api, endpoint_id);
      return list[0]?.status === 'succeeded' && list;
    });
    expect(request.headers['webhook-id']).toBe(delivery.delivery_id);
    expect(delivery).toMatchObject({ notification_id: notification.notification_id, attempt_count: 1 });
    expect(delivery.attempts).toEqual([
      expect.objectContaining({ attempt_number: 1, response_status: 200, response_body: 'answered 200', error: null }),
    ]);
  });

  it('retries a 500 with backoff: three failures, then a success, four attempts recorded', async () => {
    receiver.respond = (r) => (r.path === '/flaky' && receiver.at('/flaky').length < 3 ? 500 : 200);
    const { endpoint_id } = await endpoint('/flaky');
    await exceptions(api, 'flaky', 1);
    const [delivery] = await eventually('the delivery to succeed', async () => {
      const list = await deliveries(api, endpoint_id);
      return list[0]?.status === 'succeeded' && list;
    });
    expect(delivery.attempts.map((a) => [a.attempt_number, a.response_status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 200],
    ]);
    expect(receiver.at('/flaky').map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(receiver.at('/flaky').map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.delivery_id]));
    expect((await api.get(`${BASE}/${endpoint_id}`).expect(200)).body.data).toMatchObject({
      enabled: true,
      consecutive_failures: 0,
      failing_since: null,
    });
    const metrics = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^dg_webhook_deliveries_total\{outcome="retrying"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^dg_webhook_deliveries_total\{outcome="succeeded"\} [1-9]\d*$/m);
  });

  it('delivers only the categories an endpoint asked for', async () => {
    const all = await endpoint('/all');
    const approvals = await endpoint('/approvals', ['approval']);
    await exceptions(api, 'cats', 1);
    await api
      .post(`/api/v1/workflows/${encodeURIComponent('cats:exception:ex-0')}/actions`, {
        action: 'approve',
        reason: 'within policy',
      })
      .expect(200);
    await eventually('both deliveries to /all', () => receiver.at('/all').length === 2);
    await eventually('the approval delivery', () => receiver.at('/approvals').length === 1);
    const types = (path: string) =>
      receiver
        .at(path)
        .map((r) => JSON.parse(r.body).type as string)
        .sort();
    expect(types('/all')).toEqual(['workflow.notification.approval', 'workflow.notification.assignment']);
    expect(types('/approvals')).toEqual(['workflow.notification.approval']);
    expect(await deliveries(api, approvals.endpoint_id)).toHaveLength(1);
    expect(await deliveries(api, all.endpoint_id)).toHaveLength(2);
  });

  it('redelivers a delivered notification with the same webhook-id', async () => {
    const { endpoint_id } = await endpoint('/again');
    await exceptions(api, 'again', 1);
    const [first] = await eventually('the first delivery', async () => {
      const list = await deliveries(api, endpoint_id);
      return list[0]?.status === 'succeeded' && list;
    });
    const res = await api.post(`${BASE}/${endpoint_id}/deliveries/${first.delivery_id}/redeliver`).expect(202);
    expect(res.body.data).toMatchObject({ delivery_id: first.delivery_id, status: 'pending' });
    const [second] = await eventually('the redelivery', async () => {
      const list = await deliveries(api, endpoint_id);
      return list[0]?.attempt_count === 2 && list[0].status === 'succeeded' && list;
    });
    expect(second.attempts.map((a) => a.response_status)).toEqual([200, 200]);
    expect(receiver.at('/again').map((r) => r.headers['webhook-id'])).toEqual([first.delivery_id, first.delivery_id]);
  });

  it('records a refused connection as a failed attempt with its error', async () => {
    const down = await WebhookReceiver.create({ listening: false });
    const e = await createEndpoint(api, down.url('/down'));
    created.push([api, e.endpoint_id]);
    await exceptions(api, 'down', 1);
    const [delivery] = await eventually('two failed attempts', async () => {
      const list = await deliveries(api, e.endpoint_id);
      return (list[0]?.attempts.length ?? 0) >= 2 && list;
    });
    expect(delivery.status).toBe('pending');
    expect(delivery.attempts[0]).toMatchObject({
      response_status: null,
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });
});

describe('webhook delivery giving up and disabling a failing endpoint', () => {
  let app: NestExpressApplication;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.create();
    receiver.respond = (r) => (r.path === '/healthy' ? 200 : 503);
    // No retries (give up at the first failure); disable after three failures in a row.
    app = await createTestApp({
      env: {
        ...FAST_DELIVERY,
        DG_WEBHOOK_RETRY_HOURS: '0',
        DG_WEBHOOK_DISABLE_AFTER_FAILURES: '3',
        DG_WEBHOOK_DISABLE_AFTER_HOURS: '0',
      },
    });
  });
  afterAll(async () => {
    await closeApp(app);
    await receiver.stop();
  });

  it('marks deliveries failed, disables the endpoint with a failure notification, and resumes on enable', async () => {
    const api = apiAs(app, uniqueTenant(), DEV_TOKENS.admin);
    const failing = await createEndpoint(api, receiver.url('/failing'), ['assignment']);
    await createEndpoint(api, receiver.url('/healthy'), ['failure']);
    await exceptions(api, 'failing', 3);

    const endpoint = await eventually('the endpoint to be disabled', async () => {
      const e = (await api.get(`${BASE}/${failing.endpoint_id}`).expect(200)).body.data;
      return !e.enabled && e;
    });
    expect(endpoint).toMatchObject({
      consecutive_failures: 3,
      disabled_reason: expect.stringContaining('3 or more consecutive failed attempts'),
    });
    const failed = await eventually('three failed deliveries', async () => {
      const list = await deliveries(api, failing.endpoint_id, '&status=failed');
      return list.length === 3 && list;
    });
    expect(failed.every((d) => d.attempt_count === 1 && d.attempts[0].response_status === 503)).toBe(true);

    const notices = (await api.get('/api/v1/notifications?category=failure').expect(200)).body.data.notifications;
    expect(notices).toEqual([
      expect.objectContaining({
        workflow_id: `webhook:${failing.endpoint_id}`,
        dedupe_key: `failure:webhook:${failing.endpoint_id}:disabled:1`,
        recipient_role: 'admin',
        message: `Webhook endpoint ${failing.endpoint_id} disabled after 3 consecutive failed attempts`,
      }),
    ]);
    // The failure notification goes out to the other endpoint like any other notification.
    const [alert] = await eventually(
      'the failure notification at /healthy',
      () => receiver.at('/healthy').length === 1 && receiver.at('/healthy'),
    );
    expect(JSON.parse(alert.body)).toMatchObject({
      type: 'workflow.notification.failure',
      data: { notification_id: notices[0].notification_id },
    });

    // While disabled, new notifications queue nothing for it; a redelivery is parked until enabled.
    await exceptions(api, 'later', 1);
    expect(await deliveries(api, failing.endpoint_id)).toHaveLength(3);
    await api.post(`${BASE}/${failing.endpoint_id}/deliveries/${failed[0].delivery_id}/redeliver`).expect(202);
    await eventually('the redelivery to be parked', async () => {
      const [parked] = await deliveries(api, failing.endpoint_id, '&status=pending');
      return (
        parked?.attempt_count === 1 &&
        (parked as Delivery & { next_attempt_at: string | null }).next_attempt_at === null
      );
    });
    receiver.respond = () => 200;
    const enabled = await api.patch(`${BASE}/${failing.endpoint_id}`, { enabled: true }).expect(200);
    expect(enabled.body.data).toMatchObject({ enabled: true, consecutive_failures: 0, disabled_reason: null });
    const resumed = await eventually('the parked delivery to succeed', async () => {
      const [d] = (await deliveries(api, failing.endpoint_id)).filter((x) => x.delivery_id === failed[0].delivery_id);
      return d.status === 'succeeded' && d;
    });
    expect(resumed.attempts.map((a) => a.response_status)).toEqual([503, 200]);
    expect(
      receiver
        .at('/failing')
        .filter((r) => r.status === 200)
        .map((r) => r.headers['webhook-id']),
    ).toEqual([failed[0].delivery_id]);
  });
});

describe('webhook delivery across an outage and a restart', () => {
  let dataDir: string | undefined;
  let app: NestExpressApplication | undefined;
  let receiver: WebhookReceiver;
  beforeAll(() => {
    dataDir = persistentDataDir();
  });
  afterAll(async () => {
    await closeApp(app);
    await receiver?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers each of 100 notifications exactly once after the receiver comes back', async () => {
    receiver = await WebhookReceiver.create({ listening: false });
    const tenant = uniqueTenant();
    const env = { ...FAST_DELIVERY, ...databaseIn(dataDir) };
    app = await createTestApp({ env });
    let api = apiAs(app, tenant, DEV_TOKENS.admin);
    const { endpoint_id } = await createEndpoint(api, receiver.url('/outage'));
    await exceptions(api, 'outage', 100);
    const prisma = () => (app as NestExpressApplication).get(PrismaService);
    // Every delivery has a recorded failed attempt against the dead receiver before the restart
    // (attempt_count alone is not enough: a claim raises it before the attempt is made).
    await eventually('a failed attempt of every delivery', async () => {
      const rows = await prisma().webhookDelivery.findMany({ where: { tenant_id: tenant, endpoint_id } });
      const attempted = await prisma().webhookAttempt.groupBy({ by: ['delivery_id'], where: { tenant_id: tenant } });
      return rows.length === 100 && rows.every((d) => d.status === 'pending') && attempted.length === 100;
    });

    await closeApp(app);
    app = await createTestApp({ env });
    api = apiAs(app, tenant, DEV_TOKENS.admin);
    await receiver.start();

    await eventually(
      'every delivery to succeed',
      async () =>
        (await prisma().webhookDelivery.count({ where: { tenant_id: tenant, endpoint_id, status: 'succeeded' } })) ===
        100,
      1200,
    );
    const ids = receiver.at('/outage').map((r) => r.headers['webhook-id'] as string);
    const stored = await prisma().webhookDelivery.findMany({
      where: { tenant_id: tenant, endpoint_id },
      select: { delivery_id: true, notification_id: true },
    });
    expect(ids).toHaveLength(100);
    expect(new Set(ids)).toEqual(new Set(stored.map((d) => d.delivery_id)));
    const notifications = receiver.at('/outage').map((r) => JSON.parse(r.body).data.notification_id as string);
    expect(new Set(notifications)).toEqual(new Set(stored.map((d) => d.notification_id)));
    const attempts = await prisma().webhookAttempt.groupBy({
      by: ['delivery_id'],
      where: { tenant_id: tenant },
      _count: true,
    });
    expect(attempts.every((a) => a._count >= 2)).toBe(true);
    await api.delete(`${BASE}/${endpoint_id}`).expect(200);
  }, 120_000);
});

describe('webhook delivery re-checks the address at every attempt', () => {
  let dataDir: string | undefined;
  /**
   * On PostgreSQL a database of its own: the workers of other test files' apps, which allow
   * private addresses, would otherwise claim this delivery (claims are fair across tenants) and send it.
   */
  let own: Awaited<ReturnType<typeof createOwnDatabase>> | undefined;
  let app: NestExpressApplication | undefined;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    dataDir = persistentDataDir();
    if (onPostgres) own = await createOwnDatabase();
  });
  afterAll(async () => {
    await closeApp(app);
    await receiver?.stop();
    await own?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to send to a loopback address once private addresses are no longer allowed', async () => {
    receiver = await WebhookReceiver.create();
    const tenant = uniqueTenant();
    const database = own ? { DATABASE_URL: own.url } : databaseIn(dataDir);
    // Registered while allowed (as in development), with nothing delivered yet …
    app = await createTestApp({ env: { ...FAST_DELIVERY, ...database, DG_WEBHOOK_DELIVERY_ENABLED: 'false' } });
    const { endpoint_id } = await createEndpoint(apiAs(app, tenant, DEV_TOKENS.admin), receiver.url('/private'));
    await exceptions(apiAs(app, tenant, DEV_TOKENS.admin), 'private', 1);
    await closeApp(app);
    // … then delivered by an instance that does not allow them.
    app = await createTestApp({ env: { ...FAST_DELIVERY, ...database, DG_WEBHOOK_ALLOW_PRIVATE: 'false' } });
    const api = apiAs(app, tenant, DEV_TOKENS.admin);
    const [delivery] = await eventually('a refused attempt', async () => {
      const list = await deliveries(api, endpoint_id);
      return (list[0]?.attempts.length ?? 0) >= 1 && list;
    });
    expect(delivery.attempts[0]).toMatchObject({
      response_status: null,
      error: 'refused: host 127.0.0.1 resolves to a loopback address',
    });
    expect(delivery.status).toBe('pending');
    expect(receiver.received).toEqual([]);
    await api.delete(`${BASE}/${endpoint_id}`).expect(200);
  });
});
