import { once } from 'node:events';
import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../../src/database/prisma.service';
import { WebhookDeliveryRepository } from '../../src/notifications/webhooks/webhook-delivery.repository';
import { MAX_ENDPOINTS_PER_TENANT } from '../../src/notifications/webhooks/webhook-endpoints.service';
import { apiAs } from '../setup/api-client';
import { createOwnDatabase, onPostgres } from '../setup/own-database';
import { freePort } from '../setup/service-process';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';
import { eventually, exceptionRequests, FAST_DELIVERY } from '../setup/webhook-receiver';

const BASE = '/api/v1/admin/webhooks';

type Held = { headers: IncomingHttpHeaders; res: ServerResponse };

/** A receiver that answers nothing until told to: the attempt stays in flight meanwhile. */
class HoldingReceiver {
  readonly held: Held[] = [];
  /** Every request that arrived, answered or not. */
  arrived = 0;
  hold = true;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async create(): Promise<HoldingReceiver> {
    const port = await freePort();
    const server = createServer();
    const receiver = new HoldingReceiver(server, port);
    server.on('request', (req, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        receiver.arrived++;
        if (receiver.hold) receiver.held.push({ headers: req.headers, res });
        else res.writeHead(200).end('ok');
      });
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  url(): string {
    return `http://127.0.0.1:${this.port}/hold`;
  }

  /** Answers the held requests 200 and every later one at once. */
  release(): void {
    this.hold = false;
    for (const h of this.held.splice(0)) h.res.writeHead(200).end('ok');
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('webhook operating limits (SPEC §15)', () => {
  /** On PostgreSQL a database of its own: no other test file's worker may claim the held delivery. */
  let own: Awaited<ReturnType<typeof createOwnDatabase>> | undefined;
  let app: NestExpressApplication;
  let receiver: HoldingReceiver;
  beforeAll(async () => {
    if (onPostgres) own = await createOwnDatabase();
    receiver = await HoldingReceiver.create();
    app = await createTestApp({ env: { ...FAST_DELIVERY, ...(own ? { DATABASE_URL: own.url } : {}) } });
  });
  afterAll(async () => {
    await receiver?.stop();
    await closeApp(app);
    await own?.drop();
  });

  it('answers a redelivery 409 conflict while an attempt is in flight, and accepts it once recorded', async () => {
    const tenant = uniqueTenant();
    const api = apiAs(app, tenant, DEV_TOKENS.admin);
    const { endpoint_id } = (await api.post(BASE, { url: receiver.url() }).expect(201)).body.data;
    await exceptionRequests(api, 'inflight', 1);
    const [held] = await eventually(
      'the attempt to reach the receiver',
      () => receiver.held.length === 1 && receiver.held,
    );
    const deliveryId = held.headers['webhook-id'] as string;
    const path = `${BASE}/${endpoint_id}/deliveries/${deliveryId}/redeliver`;

    const refused = await api.post(path).expect(409);
    expect(refused.body.error).toMatchObject({
      code: 'conflict',
      message: `Webhook delivery ${deliveryId} has an attempt in flight; redeliver it once the attempt is recorded`,
      details: { delivery_id: deliveryId },
    });
    // The refusal changed nothing: still the one claim, its lease ahead.
    const prisma = app.get(PrismaService);
    const row = await prisma.webhookDelivery.findUniqueOrThrow({
      where: { tenant_id_delivery_id: { tenant_id: tenant, delivery_id: deliveryId } },
    });
    expect(row).toMatchObject({ status: 'pending', attempt_count: 1 });
    expect(row.next_attempt_at!.getTime()).toBeGreaterThan(Date.now());
    // A claim whose lease is over (its worker died) is no longer in flight.
    const repository = app.get(WebhookDeliveryRepository);
    const afterLease = new Date(row.next_attempt_at!.getTime() + 1000);
    expect(await repository.isInFlight(prisma, tenant, endpoint_id, deliveryId, new Date())).toBe(true);
    expect(await repository.isInFlight(prisma, tenant, endpoint_id, deliveryId, afterLease)).toBe(false);

    receiver.release();
    await eventually('the attempt to be recorded', async () => {
      const d = await prisma.webhookDelivery.findUniqueOrThrow({
        where: { tenant_id_delivery_id: { tenant_id: tenant, delivery_id: deliveryId } },
      });
      return d.status === 'succeeded';
    });
    const again = await api.post(path).expect(202);
    expect(again.body.data).toMatchObject({ delivery_id: deliveryId, status: 'pending', attempt_count: 1 });
    const delivery = await eventually('the redelivery', async () => {
      const [d] = (await api.get(`${BASE}/${endpoint_id}/deliveries`).expect(200)).body.data.deliveries;
      return d.status === 'succeeded' && d.attempt_count === 2 && d;
    });
    expect(delivery.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([200, 200]);
    // Sent twice in all: the refused redelivery added no send.
    expect(receiver.arrived).toBe(2);
    // An unknown delivery is still 404, not 409.
    await api.post(`${BASE}/${endpoint_id}/deliveries/whd_unknown/redeliver`).expect(404);
  });

  it(`lets exactly ${MAX_ENDPOINTS_PER_TENANT} exist when ten creates race at ${MAX_ENDPOINTS_PER_TENANT - 2}`, async () => {
    const tenant = uniqueTenant();
    const prisma = app.get(PrismaService);
    const now = new Date();
    await prisma.webhookEndpoint.createMany({
      data: Array.from({ length: MAX_ENDPOINTS_PER_TENANT - 2 }, (_, i) => ({
        tenant_id: tenant,
        endpoint_id: `whe_prefill_${i}`,
        url: `http://127.0.0.1:9/prefill-${i}`,
        secret: 'whsec_unused',
        enabled: true,
        categories: [],
        consecutive_failures: 0,
        disabled_count: 0,
        created_at: now,
        updated_at: now,
      })),
    });
    const api = apiAs(app, tenant, DEV_TOKENS.admin);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.post(BASE, { url: `http://127.0.0.1:9/race-${i}` })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 201, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const refused of answers.filter((a) => a.status === 409))
      expect(refused.body.error).toMatchObject({
        code: 'conflict',
        message: `A tenant can have at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints`,
      });
    expect(await prisma.webhookEndpoint.count({ where: { tenant_id: tenant } })).toBe(MAX_ENDPOINTS_PER_TENANT);
    // Another tenant's quota is its own.
    await apiAs(app, uniqueTenant(), DEV_TOKENS.admin).post(BASE, { url: 'http://127.0.0.1:9/other' }).expect(201);
  });
});
