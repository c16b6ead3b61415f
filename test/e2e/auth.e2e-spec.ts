import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { serviceAccountsEnv } from '../factories/service-accounts';
import { GuardProbeController } from '../setup/guard-probe.controller';
import { closeApp, createTestApp, useTestApp } from '../setup/test-app';

const ACCOUNTS = serviceAccountsEnv([
  { account_id: 'acme-reader', roles: ['reader'], tenant_ids: ['acme'], tokens: [{ token: 'reader-token' }] },
  {
    account_id: 'acme-writer',
    roles: ['writer'],
    tenant_ids: ['acme'],
    permissions: ['workflow_assign'],
    tokens: [{ token: 'writer-old', expires_at: '2020-01-01T00:00:00Z' }, { token: 'writer-new' }],
  },
  {
    account_id: 'reviewer',
    roles: ['writer'],
    tenant_ids: ['acme', 'globex'],
    permissions: ['workflow_review'],
    tokens: [{ token: 'reviewer-token' }],
  },
  { account_id: 'root', roles: ['admin'], tenant_ids: ['*'], permissions: ['*'], tokens: [{ token: 'root-token' }] },
  { account_id: 'limited', roles: ['reader'], tenant_ids: ['acme'], tokens: [{ token: 'limited-token' }] },
]);

describe('authentication and tenancy (SPEC §4)', () => {
  const as = (token: string, tenant = 'acme') => ({ authorization: `Bearer ${token}`, 'x-tenant-id': tenant });

  const app = useTestApp({
    controllers: [GuardProbeController],
    env: {
      DG_SERVICE_ACCOUNTS: ACCOUNTS,
      DG_RATE_LIMIT_READ_PER_MINUTE: '5',
      DG_AUTH_FAILURE_LIMIT_PER_MINUTE: '1000',
    },
  });

  it('checks the tenant header before anything else', async () => {
    const res = await request(app.getHttpServer()).get('/api/v1/probe/read').expect(400);
    expect(res.body.error).toEqual({
      code: 'invalid_argument',
      message: 'x-tenant-id header is required',
      details: {},
    });
  });

  it('refuses a repeated x-tenant-id rather than reading "a, b" as one tenant', async () => {
    // superagent sends an array value as one header line per value; its types admit only Cookie arrays.
    const res = await request(app.getHttpServer())
      .get('/api/v1/whoami')
      .set({ authorization: 'Bearer root-token' })
      .set('x-tenant-id', ['acme', 'globex'] as unknown as string)
      .expect(400);
    expect(res.body.error.message).toMatch(/^x-tenant-id must be a single value/);
  });

  it('answers 401 for a missing header, another scheme, an unknown and an expired token', async () => {
    const server = app.getHttpServer();
    const missing = await request(server).get('/api/v1/probe/read').set('x-tenant-id', 'acme').expect(401);
    expect(missing.body.error.message).toBe('Authentication required');
    await request(server)
      .get('/api/v1/probe/read')
      .set({ 'x-tenant-id': 'acme', authorization: 'Basic cm9vdDpyb290' })
      .expect(401);
    await request(server).get('/api/v1/probe/read').set(as('nope')).expect(401);
    const expired = await request(server).get('/api/v1/probe/read').set(as('writer-old')).expect(401);
    expect(expired.body.error.code).toBe('unauthorized');
    expect(JSON.stringify(expired.body)).not.toContain('writer-old');
  });

  it('accepts any of an account’s live tokens and a case-insensitive scheme', async () => {
    const res = await request(app.getHttpServer())
      .get('/api/v1/whoami')
      .set({ 'x-tenant-id': 'acme', authorization: 'bEaReR writer-new' })
      .expect(200);
    expect(res.body.data).toEqual({
      account_id: 'acme-writer',
      principal_type: 'service_account',
      person: null,
      roles: ['writer'],
      permissions: ['workflow_assign'],
      tenant_id: 'acme',
    });
    await request(app.getHttpServer())
      .get('/api/v1/whoami')
      .set({ 'x-tenant-id': 'acme', authorization: 'Bearer   writer-new' })
      .expect(200);
  });

  it('refuses a tenant the account does not belong to, and lets "*" in everywhere', async () => {
    const res = await request(app.getHttpServer())
      .get('/api/v1/whoami')
      .set(as('reviewer-token', 'initech'))
      .expect(403);
    expect(res.body.error.code).toBe('forbidden');
    await request(app.getHttpServer()).get('/api/v1/whoami').set(as('reviewer-token', 'globex')).expect(200);
    await request(app.getHttpServer()).get('/api/v1/whoami').set(as('root-token', 'anything')).expect(200);
  });

  it('refuses a reader on a writer route and a writer on an admin route', async () => {
    await request(app.getHttpServer()).post('/api/v1/probe/write').set(as('reader-token')).send({}).expect(403);
    await request(app.getHttpServer()).get('/api/v1/probe/admin').set(as('writer-new')).expect(403);
    await request(app.getHttpServer()).get('/api/v1/probe/admin').set(as('root-token')).expect(200);
  });

  it('names the missing permission', async () => {
    const res = await request(app.getHttpServer()).post('/api/v1/probe/review').set(as('writer-new')).expect(403);
    expect(res.body.error).toMatchObject({
      code: 'forbidden',
      message: 'Missing permission: workflow_review',
      details: { permission: 'workflow_review' },
    });
    await request(app.getHttpServer()).post('/api/v1/probe/review').set(as('reviewer-token')).expect(201);
  });

  it('refuses a route that declares no access rule (deny by default)', async () => {
    const res = await request(app.getHttpServer()).get('/api/v1/probe/undeclared').set(as('root-token')).expect(403);
    expect(res.body.data).toBeUndefined();
  });

  it('rate-limits per account and tenant with retry-after', async () => {
    const server = app.getHttpServer();
    for (let i = 0; i < 5; i++) await request(server).get('/api/v1/probe/read').set(as('limited-token')).expect(200);
    const res = await request(server).get('/api/v1/probe/read').set(as('limited-token')).expect(429);
    expect(res.body.error.code).toBe('rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another account on the same tenant has its own budget.
    await request(server).get('/api/v1/probe/read').set(as('reader-token')).expect(200);
  });

  it('echoes a well-formed x-request-id and replaces a malformed one', async () => {
    const server = app.getHttpServer();
    const kept = await request(server)
      .get('/api/v1/whoami')
      .set({ ...as('root-token'), 'x-request-id': 'abc.DEF:123-_' })
      .expect(200);
    expect(kept.headers['x-request-id']).toBe('abc.DEF:123-_');
    expect(kept.body.request_id).toBe('abc.DEF:123-_');
    const replaced = await request(server).get('/api/v1/whoami').set({ 'x-request-id': 'has spaces!' }).expect(400);
    expect(replaced.headers['x-request-id']).toMatch(/^req_/);
    expect(replaced.body.request_id).toBe(replaced.headers['x-request-id']);
  });
});

describe('failed-authentication throttling', () => {
  const app = useTestApp({ env: { DG_SERVICE_ACCOUNTS: ACCOUNTS, DG_AUTH_FAILURE_LIMIT_PER_MINUTE: '3' } });

  it('answers 429 instead of 401 to a client address’s failed tokens beyond the budget; good tokens and missing credentials are not counted', async () => {
    const server = app.getHttpServer();
    const whoami = (headers: Record<string, string>) =>
      request(server)
        .get('/api/v1/whoami')
        .set({ 'x-tenant-id': 'acme', ...headers });
    for (let i = 0; i < 5; i++) await whoami({}).expect(401);
    for (let i = 0; i < 3; i++) await whoami({ authorization: `Bearer guess-${i}` }).expect(401);
    const res = await whoami({ authorization: 'Bearer guess-3' }).expect(429);
    expect(res.body.error).toMatchObject({ code: 'rate_limited', message: 'Too many failed authentication attempts' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await whoami({ authorization: 'Bearer root-token' }).expect(200);
    await whoami({}).expect(401);
  });
});

describe('unauthenticated requests and proxies (SPEC §15)', () => {
  let app: NestExpressApplication;
  const whoami = (headers: Record<string, string>) =>
    request(app.getHttpServer())
      .get('/api/v1/whoami')
      .set({ 'x-tenant-id': 'acme', ...headers });

  afterEach(() => closeApp(app));

  it('throttles requests without credentials per client address, and lets a valid token through', async () => {
    app = await createTestApp({ env: { DG_SERVICE_ACCOUNTS: ACCOUNTS, DG_UNAUTHENTICATED_LIMIT_PER_MINUTE: '3' } });
    await whoami({}).expect(401);
    await whoami({ authorization: 'Basic cm9vdDpyb290' }).expect(401);
    await whoami({}).expect(401);
    const res = await whoami({}).expect(429);
    expect(res.body.error).toMatchObject({ code: 'rate_limited', message: 'Too many requests without credentials' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await whoami({ authorization: 'Bearer root-token' }).expect(200);
  });

  it('gives an account on every tenant one budget across tenants, not a fresh one per x-tenant-id', async () => {
    app = await createTestApp({
      env: {
        DG_SERVICE_ACCOUNTS: ACCOUNTS,
        DG_RATE_LIMIT_READ_PER_MINUTE: '2',
        DG_RATE_LIMIT_ALL_TENANTS_MULTIPLIER: '2',
      },
    });
    for (let i = 0; i < 4; i++)
      await whoami({ authorization: 'Bearer root-token', 'x-tenant-id': `t-${i}` }).expect(200);
    await whoami({ authorization: 'Bearer root-token', 'x-tenant-id': 't-4' }).expect(429);
    // An account of named tenants keeps its per-tenant budget.
    await whoami({ authorization: 'Bearer reviewer-token', 'x-tenant-id': 'acme' }).expect(200);
    await whoami({ authorization: 'Bearer reviewer-token', 'x-tenant-id': 'globex' }).expect(200);
  });

  it('believes only the trusted hops of X-Forwarded-For, so a forged left-most address gets no fresh budget', async () => {
    app = await createTestApp({
      env: { DG_SERVICE_ACCOUNTS: ACCOUNTS, DG_TRUST_PROXY: '1', DG_AUTH_FAILURE_LIMIT_PER_MINUTE: '2' },
    });
    // The proxy (this test's loopback connection) appends the address it saw: 203.0.113.9.
    const attempt = (forged: string) =>
      whoami({ authorization: 'Bearer guess', 'x-forwarded-for': `${forged}, 203.0.113.9` });
    await attempt('198.51.100.1').expect(401);
    await attempt('198.51.100.2').expect(401);
    await attempt('198.51.100.3').expect(429);
    // Another client behind the same proxy has its own budget.
    await whoami({ authorization: 'Bearer guess', 'x-forwarded-for': '203.0.113.10' }).expect(401);
  });
});
