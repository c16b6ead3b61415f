import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Webhook } from 'standardwebhooks';
import { defaultSecretKeyId } from '../../src/config/webhook-secret-config';
import { PrismaService } from '../../src/database/prisma.service';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { createOwnDatabase, onPostgres } from '../setup/own-database';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';
import { eventually, exceptionRequests as exceptions, FAST_DELIVERY, WebhookReceiver } from '../setup/webhook-receiver';

const BASE = '/api/v1/admin/webhooks';

/** Endpoints on 127.0.0.1, no delivery (an app that only registers endpoints). */
const NO_DELIVERY = { ...GENEROUS_LIMITS, DG_WEBHOOK_ALLOW_PRIVATE: 'true' };

type Api = ReturnType<typeof apiAs>;
type Database = { env: Record<string, string>; drop: () => Promise<void> };

/**
 * A database of this file's own that outlives an app closed and created again: the start-up
 * sealing reaches every tenant of its database, so it must not share one with other test files.
 */
async function ownDatabase(): Promise<Database> {
  if (onPostgres) {
    const db = await createOwnDatabase();
    return { env: { DATABASE_URL: db.url }, drop: db.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'dg-whsecrets-'));
  return { env: { DATABASE_URL: `pglite:${dir}` }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

const storedSecret = async (app: NestExpressApplication, tenant: string, endpointId: string) =>
  (
    await app.get(PrismaService).webhookEndpoint.findUniqueOrThrow({
      where: { tenant_id_endpoint_id: { tenant_id: tenant, endpoint_id: endpointId } },
    })
  ).secret;

const verifies = (secret: string, r: { body: string; headers: object }) => {
  try {
    new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

describe('webhook signing secrets encrypted at rest (SPEC §15)', () => {
  const key = randomBytes(32);
  const KEY = { DG_WEBHOOK_SECRET_KEY: key.toString('base64') };
  let db: Database;
  let app: NestExpressApplication | undefined;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    db = await ownDatabase();
    receiver = await WebhookReceiver.create();
  });
  afterEach(async () => {
    await closeApp(app);
    app = undefined;
  });
  afterAll(async () => {
    await receiver.stop();
    await db.drop();
  });

  it('stores the secret encrypted under the key id, and signs deliveries with the secret it showed once', async () => {
    app = await createTestApp({ env: { ...FAST_DELIVERY, ...db.env, ...KEY } });
    const tenant = uniqueTenant();
    const api = apiAs(app, tenant, DEV_TOKENS.admin);
    const { endpoint_id, secret } = (await api.post(BASE, { url: receiver.url('/sealed') }).expect(201)).body.data;
    const stored = await storedSecret(app, tenant, endpoint_id);
    expect(stored).toMatch(new RegExp(`^v1:${defaultSecretKeyId(key)}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$`));
    expect(stored).not.toContain(secret.slice('whsec_'.length, 20));

    await exceptions(api, 'sealed', 1);
    const [delivered] = await eventually(
      'the delivery',
      () => receiver.at('/sealed').length > 0 && receiver.at('/sealed'),
    );
    expect(verifies(secret, delivered)).toBe(true);
    const shown = JSON.stringify((await api.get(`${BASE}/${endpoint_id}`).expect(200)).body);
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain(stored);
  });

  it('encrypts secrets stored in plaintext (no key before) at the next start; deliveries still verify', async () => {
    app = await createTestApp({ env: { ...NO_DELIVERY, ...db.env, DG_WEBHOOK_SECRET_KEY: '' } });
    const tenant = uniqueTenant();
    let api = apiAs(app, tenant, DEV_TOKENS.admin);
    const { endpoint_id, secret } = (await api.post(BASE, { url: receiver.url('/migrated') }).expect(201)).body.data;
    expect(await storedSecret(app, tenant, endpoint_id)).toBe(secret);
    await closeApp(app);

    app = await createTestApp({ env: { ...FAST_DELIVERY, ...db.env, ...KEY } });
    expect(await storedSecret(app, tenant, endpoint_id)).toMatch(/^v1:/);
    api = apiAs(app, tenant, DEV_TOKENS.admin);
    await exceptions(api, 'migrated', 1);
    const [delivered] = await eventually(
      'the delivery',
      () => receiver.at('/migrated').length > 0 && receiver.at('/migrated'),
    );
    expect(verifies(secret, delivered)).toBe(true);
  });

  it('after a key change reads the earlier key (DG_WEBHOOK_SECRET_KEY_PREVIOUS) and re-encrypts under the new one', async () => {
    app = await createTestApp({ env: { ...NO_DELIVERY, ...db.env, ...KEY } });
    const tenant = uniqueTenant();
    let api = apiAs(app, tenant, DEV_TOKENS.admin);
    const { endpoint_id, secret } = (await api.post(BASE, { url: receiver.url('/rekeyed') }).expect(201)).body.data;
    await closeApp(app);

    const next = randomBytes(32);
    app = await createTestApp({
      env: {
        ...FAST_DELIVERY,
        ...db.env,
        DG_WEBHOOK_SECRET_KEY: next.toString('hex'),
        DG_WEBHOOK_SECRET_KEY_ID: 'next',
        DG_WEBHOOK_SECRET_KEY_PREVIOUS: key.toString('base64'),
      },
    });
    expect(await storedSecret(app, tenant, endpoint_id)).toMatch(/^v1:next:/);
    api = apiAs(app, tenant, DEV_TOKENS.admin);
    await exceptions(api, 'rekeyed', 1);
    const [delivered] = await eventually(
      'the delivery',
      () => receiver.at('/rekeyed').length > 0 && receiver.at('/rekeyed'),
    );
    expect(verifies(secret, delivered)).toBe(true);
  });

  it('sends nothing unsigned when the key of a stored secret is missing: a failed attempt names the key', async () => {
    app = await createTestApp({
      env: {
        ...NO_DELIVERY,
        ...db.env,
        DG_WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
        DG_WEBHOOK_SECRET_KEY_ID: 'lost',
      },
    });
    const tenant = uniqueTenant();
    let api = apiAs(app, tenant, DEV_TOKENS.admin);
    const { endpoint_id } = (await api.post(BASE, { url: receiver.url('/lost') }).expect(201)).body.data;
    await closeApp(app);

    app = await createTestApp({ env: { ...FAST_DELIVERY, ...db.env, ...KEY, DG_WEBHOOK_RETRY_BASE_MS: '60000' } });
    api = apiAs(app, tenant, DEV_TOKENS.admin);
    await exceptions(api, 'lost', 1);
    const [delivery] = await eventually('a failed attempt', async () => {
      const list = (await api.get(`${BASE}/${endpoint_id}/deliveries`).expect(200)).body.data.deliveries;
      return list[0]?.attempts.length > 0 && list;
    });
    expect(delivery.attempts[0]).toMatchObject({ response_status: null, error: expect.stringContaining('key lost') });
    expect(receiver.at('/lost')).toEqual([]);
  });
});

describe('webhook secret rotation with an overlap (SPEC §15)', () => {
  let app: NestExpressApplication;
  let receiver: WebhookReceiver;
  let api: Api;
  const created: string[] = [];

  beforeAll(async () => {
    receiver = await WebhookReceiver.create();
    app = await createTestApp({ env: FAST_DELIVERY });
  });
  beforeEach(() => {
    api = apiAs(app, uniqueTenant(), DEV_TOKENS.admin);
  });
  afterEach(async () => {
    for (const id of created.splice(0)) await api.delete(`${BASE}/${id}`);
  });
  afterAll(async () => {
    await closeApp(app);
    await receiver.stop();
  });

  const endpoint = async (path: string) => {
    const e = (await api.post(BASE, { url: receiver.url(path) }).expect(201)).body.data;
    created.push(e.endpoint_id);
    return e as { endpoint_id: string; secret: string };
  };
  const nth = (path: string, n: number) =>
    eventually(`delivery ${n} to ${path}`, () => receiver.at(path).length >= n && receiver.at(path)[n - 1]);

  it('signs with both secrets during the overlap, then with the new one only', async () => {
    const { endpoint_id, secret: oldSecret } = await endpoint('/rotated');
    const rotated = (await api.post(`${BASE}/${endpoint_id}/rotate-secret`, { overlap_seconds: 3 }).expect(200)).body
      .data;
    const newSecret: string = rotated.secret;
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated).toMatchObject({ endpoint_id, previous_secret_expires_at: expect.any(String) });
    const overlapEnds = Date.parse(rotated.previous_secret_expires_at);
    const shown = (await api.get(`${BASE}/${endpoint_id}`).expect(200)).body.data;
    expect(shown).not.toHaveProperty('secret');
    expect(JSON.stringify(shown)).not.toContain(newSecret);
    expect(shown.previous_secret_expires_at).toBe(rotated.previous_secret_expires_at);

    await exceptions(api, 'during', 1);
    const during = await nth('/rotated', 1);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect([verifies(oldSecret, during), verifies(newSecret, during)]).toEqual([true, true]);

    await new Promise((r) => setTimeout(r, Math.max(0, overlapEnds - Date.now() + 100)));
    await exceptions(api, 'after', 1);
    const after = await nth('/rotated', 2);
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect([verifies(oldSecret, after), verifies(newSecret, after)]).toEqual([false, true]);
  });

  it('switches at once with overlap_seconds 0, and defaults to a day', async () => {
    const { endpoint_id, secret: first } = await endpoint('/switched');
    const at = Date.now();
    const second = (await api.post(`${BASE}/${endpoint_id}/rotate-secret`, {}).expect(200)).body.data;
    expect(Date.parse(second.previous_secret_expires_at) - at).toBeGreaterThanOrEqual(24 * 3600 * 1000 - 60_000);
    const third = (await api.post(`${BASE}/${endpoint_id}/rotate-secret`, { overlap_seconds: 0 }).expect(200)).body
      .data;
    expect(third.previous_secret_expires_at).toBeNull();

    await exceptions(api, 'switched', 1);
    const delivered = await nth('/switched', 1);
    expect([first, second.secret, third.secret].map((s) => verifies(s, delivered))).toEqual([false, false, true]);
  });

  it("refuses a bad overlap (400) and an unknown or other tenant's endpoint (404)", async () => {
    const { endpoint_id } = await endpoint('/refused');
    for (const overlap_seconds of [-1, 1.5, '60', 7 * 24 * 3600 + 1]) {
      const res = await api.post(`${BASE}/${endpoint_id}/rotate-secret`, { overlap_seconds }).expect(400);
      expect(res.body.error.code).toBe('invalid_argument');
    }
    await api.post(`${BASE}/whe_missing/rotate-secret`, {}).expect(404);
    const other = apiAs(app, uniqueTenant(), DEV_TOKENS.admin);
    await other.post(`${BASE}/${endpoint_id}/rotate-secret`, {}).expect(404);
    await api.as(DEV_TOKENS.writer).post(`${BASE}/${endpoint_id}/rotate-secret`, {}).expect(403);
  });
});
