import { anEvent } from '../factories/events';
import { serviceAccountsEnv } from '../factories/service-accounts';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { uniqueTenant, useTestApp } from '../setup/test-app';

const BASE = '/api/v1/admin/webhooks';
const ACCOUNTS = serviceAccountsEnv([
  { account_id: 'ops', roles: ['admin'], tenant_ids: ['*'], permissions: ['*'], tokens: [{ token: 'ops-token' }] },
  {
    account_id: 'auditor',
    roles: ['admin'],
    tenant_ids: ['*'],
    permissions: ['workflow_export'],
    tokens: [{ token: 'auditor-token' }],
  },
  {
    account_id: 'producer',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_assign', 'workflow_review'],
    tokens: [{ token: 'writer-token' }],
  },
]);
// Public literals that never need DNS; nothing is delivered in this file (the worker is off).
const PUBLIC_URL = 'https://93.184.216.34/hooks/dg';

describe('webhook endpoints: administration (SPEC §8)', () => {
  const tenants: string[] = [];
  const admin = (tenant: string) => {
    tenants.push(tenant);
    return apiAs(app, tenant, 'ops-token');
  };

  const app = useTestApp({ env: { ...GENEROUS_LIMITS, DG_SERVICE_ACCOUNTS: ACCOUNTS } });
  // On a shared PostgreSQL database another file's worker would try these endpoints: remove them.
  afterEach(async () => {
    for (const tenant of tenants.splice(0)) {
      const api = apiAs(app, tenant, 'ops-token');
      for (const { endpoint_id } of (await api.get(BASE).expect(200)).body.data.endpoints)
        await api.delete(`${BASE}/${endpoint_id}`).expect(200);
    }
  });

  it('creates an endpoint and shows its signing secret only in the creation response', async () => {
    const api = admin(uniqueTenant());
    const created = await api
      .post(BASE, { url: PUBLIC_URL, description: 'pager bridge', categories: ['failure', 'escalation', 'failure'] })
      .expect(201);
    const endpoint = created.body.data;
    expect(endpoint).toMatchObject({
      endpoint_id: expect.stringMatching(/^whe_[0-9a-f-]{36}$/),
      url: PUBLIC_URL,
      description: 'pager bridge',
      categories: ['escalation', 'failure'],
      enabled: true,
      disabled_reason: null,
      consecutive_failures: 0,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const listed = (await api.get(BASE).expect(200)).body.data.endpoints;
    expect(listed).toEqual([expect.objectContaining({ endpoint_id: endpoint.endpoint_id })]);
    expect(listed[0]).not.toHaveProperty('secret');
    const one = (await api.get(`${BASE}/${endpoint.endpoint_id}`).expect(200)).body.data;
    expect(one).not.toHaveProperty('secret');
    expect(JSON.stringify(one)).not.toContain(endpoint.secret);
  });

  it('updates url, description, categories and enabled, and deletes', async () => {
    const api = admin(uniqueTenant());
    const { endpoint_id } = (await api.post(BASE, { url: PUBLIC_URL }).expect(201)).body.data;
    const patched = await api
      .patch(`${BASE}/${endpoint_id}`, {
        url: 'https://93.184.216.34/other',
        description: null,
        categories: ['approval'],
        enabled: false,
      })
      .expect(200);
    expect(patched.body.data).toMatchObject({
      url: 'https://93.184.216.34/other',
      description: null,
      categories: ['approval'],
      enabled: false,
      disabled_reason: 'disabled by ops',
    });
    const enabled = await api.patch(`${BASE}/${endpoint_id}`, { enabled: true, categories: [] }).expect(200);
    expect(enabled.body.data).toMatchObject({ enabled: true, disabled_reason: null, categories: [] });
    expect((await api.delete(`${BASE}/${endpoint_id}`).expect(200)).body.data).toEqual({ endpoint_id, deleted: true });
    await api.get(`${BASE}/${endpoint_id}`).expect(404);
    await api.delete(`${BASE}/${endpoint_id}`).expect(404);
  });

  it.each([
    ['ftp://93.184.216.34/x', 'url must use http or https'],
    ['not a url', 'url must be an absolute http or https URL'],
    ['javascript:alert(1)', 'url must use http or https'],
    ['https://user:pass@93.184.216.34/x', 'url must not contain a user name or password'],
    ['https://token@93.184.216.34/x', 'url must not contain a user name or password'],
    ['https://93.184.216.34:0/x', 'url must not use port 0'],
  ])('refuses the url %s with 400', async (url, message) => {
    const res = await admin(uniqueTenant()).post(BASE, { url }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_argument', message });
  });

  it('refuses unknown categories and unknown fields with 400', async () => {
    const api = admin(uniqueTenant());
    expect(
      (await api.post(BASE, { url: PUBLIC_URL, categories: ['billing'] }).expect(400)).body.error.message,
    ).toContain('categories must be among');
    await api.post(BASE, { url: PUBLIC_URL, secret: 'whsec_mine' }).expect(400);
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://[::1]/hook',
    'http://10.0.0.7/hook',
    'http://192.168.1.20/hook',
    'http://172.20.0.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://0.0.0.0/hook',
    'http://[::]/hook',
    'http://[fe80::1]/hook',
    'http://[fd00::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://2130706433/hook',
  ])('refuses %s (private, loopback, link-local or unspecified) with 400', async (url) => {
    const res = await admin(uniqueTenant()).post(BASE, { url }).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(
        /^url is not allowed: host .* resolves to a (private|loopback|link-local|unspecified) address/,
      ),
    });
  });

  it('refuses to move an endpoint to a private address', async () => {
    const api = admin(uniqueTenant());
    const { endpoint_id } = (await api.post(BASE, { url: PUBLIC_URL }).expect(201)).body.data;
    await api.patch(`${BASE}/${endpoint_id}`, { url: 'http://127.0.0.1/hook' }).expect(400);
    expect((await api.get(`${BASE}/${endpoint_id}`).expect(200)).body.data.url).toBe(PUBLIC_URL);
  });

  it('answers 403 to a writer and to an admin without webhook_manage', async () => {
    const tenant = uniqueTenant();
    const writer = await apiAs(app, tenant, 'writer-token').get(BASE).expect(403);
    expect(writer.body.error.code).toBe('forbidden');
    await apiAs(app, tenant, 'writer-token').post(BASE, { url: PUBLIC_URL }).expect(403);
    const auditor = await apiAs(app, tenant, 'auditor-token').post(BASE, { url: PUBLIC_URL }).expect(403);
    expect(auditor.body.error.message).toContain('webhook_manage');
  });

  it("keeps each tenant's endpoints and deliveries to itself (404, never data)", async () => {
    const owner = admin(uniqueTenant());
    const other = admin(uniqueTenant());
    const { endpoint_id } = (await owner.post(BASE, { url: PUBLIC_URL }).expect(201)).body.data;
    // A notification for the owner queues a delivery to the endpoint, before the POST returns.
    await owner.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'iso' })).expect(201);
    await owner.post('/api/v1/events', anEvent('ExceptionRequested', { trace_id: 'iso', trace_seq: 1 })).expect(201);
    const deliveries = (await owner.get(`${BASE}/${endpoint_id}/deliveries`).expect(200)).body.data.deliveries;
    expect(deliveries).toEqual([expect.objectContaining({ endpoint_id, status: 'pending' })]);
    const deliveryId = deliveries[0].delivery_id as string;
    expect(deliveryId).toMatch(/^whd_[0-9a-f-]{36}$/);

    expect((await other.get(BASE).expect(200)).body.data.endpoints).toEqual([]);
    await other.get(`${BASE}/${endpoint_id}`).expect(404);
    await other.patch(`${BASE}/${endpoint_id}`, { enabled: false }).expect(404);
    await other.get(`${BASE}/${endpoint_id}/deliveries`).expect(404);
    await other.post(`${BASE}/${endpoint_id}/deliveries/${deliveryId}/redeliver`).expect(404);
    await other.delete(`${BASE}/${endpoint_id}`).expect(404);
    // The other tenant's own endpoint cannot reach the owner's delivery either.
    const { endpoint_id: theirs } = (await other.post(BASE, { url: PUBLIC_URL }).expect(201)).body.data;
    await other.post(`${BASE}/${theirs}/deliveries/${deliveryId}/redeliver`).expect(404);
    expect((await owner.get(`${BASE}/${endpoint_id}`).expect(200)).body.data.enabled).toBe(true);
  });

  it('pages deliveries with a cursor, newest first', async () => {
    const api = admin(uniqueTenant());
    const { endpoint_id } = (await api.post(BASE, { url: PUBLIC_URL }).expect(201)).body.data;
    const events = [anEvent('TraceStarted', { trace_id: 'paged' })];
    for (let i = 0; i < 5; i++) {
      const exception = anEvent('ExceptionRequested', { trace_id: 'paged', trace_seq: i + 1 });
      events.push({ ...exception, payload: { ...(exception.payload as object), exception_id: `ex-${i}` } });
    }
    await api.post('/api/v1/events/batch', { events }).expect(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res = await api
        .get(`${BASE}/${endpoint_id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      const data = res.body.data as { deliveries: { delivery_id: string }[]; next_cursor: string | null };
      seen.push(...data.deliveries.map((d) => d.delivery_id));
      cursor = data.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    await api.get(`${BASE}/${endpoint_id}/deliveries?cursor=bogus`).expect(400);
    for (const position of [
      { c: '0000-01-01T00:00:00Z', d: 'x' },
      { c: '-000001-01-01T00:00:00Z', d: 'x' },
      { c: '2026-01-01T00:00:00Z', d: 'a\u0000b' },
    ]) {
      const cursor = Buffer.from(JSON.stringify(position)).toString('base64url');
      expect((await api.get(`${BASE}/${endpoint_id}/deliveries?cursor=${cursor}`).expect(400)).body.error.code).toBe(
        'invalid_argument',
      );
    }
    await api.get(`${BASE}/${endpoint_id}/deliveries?status=lost`).expect(400);
  });
});
