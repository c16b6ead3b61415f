import { createHmac, createPublicKey } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { Clock } from '../../src/common/clock';
import { serviceAccountsEnv } from '../factories/service-accounts';
import { anEvent } from '../factories/events';
import {
  act,
  anException,
  Api,
  detailOf,
  exceptionWorkflowId,
  overridePhrase,
  traceEvents,
} from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { freePort, SigningJwk, signingKey, TestOidcProvider } from '../setup/oidc-test-provider';
import { closeApp, createTestApp, uniqueTenant } from '../setup/test-app';

/** The service's clock, moved by the tests to reach a token's expiry without waiting. */
class ShiftedClock extends Clock {
  offsetSeconds = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetSeconds * 1000);
  }
}

const AUDIENCE = 'https://decisiongraph.test/api';
const TENANT = uniqueTenant('oidc');
const SERVICE_TOKEN = 'oidc-suite-writer-token';
const SERVICE_ACCOUNTS = serviceAccountsEnv([
  { account_id: 'svc-writer', roles: ['writer'], tenant_ids: ['*'], tokens: [{ token: SERVICE_TOKEN }] },
]);
const UNAUTHORIZED = { code: 'unauthorized', message: 'Invalid, revoked or expired token', details: {} };

const person = (claims: Record<string, unknown>, nbfOffsetSeconds?: number) => ({ claims, nbfOffsetSeconds });
const ACCOUNTS = {
  alice: person({
    name: 'Alice Example',
    email: 'alice@example.com',
    roles: ['writer', 'offline_access'],
    tenant_ids: [TENANT],
    permissions: ['workflow_review', 'workflow_assign', 'not_a_permission'],
  }),
  carol: person({ name: 'Carol', roles: ['writer'], tenant_ids: [TENANT], permissions: ['workflow_review'] }),
  bob: person({ name: 'Bob', roles: ['reader'], tenant_ids: ['*'] }),
  'no-roles': person({ tenant_ids: ['*'] }),
  'no-tenants': person({ roles: ['reader'] }),
  early: person({ roles: ['reader'], tenant_ids: ['*'] }, 300),
  'a-little-early': person({ roles: ['reader'], tenant_ids: ['*'] }, 30),
};

/** The caller itself starts the trace and requests the exception (`openException` picks a requester of its own). */
async function requestException(api: Api, traceId: string, payload: Record<string, unknown> = {}): Promise<string> {
  await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: traceId })).expect(201);
  await api.post('/api/v1/events', anException(traceId, 1, payload)).expect(201);
  return exceptionWorkflowId(traceId);
}

const payloadOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('OIDC access tokens from a real OpenID provider (SPEC §12)', () => {
  let provider: TestOidcProvider;
  let app: NestExpressApplication;
  let rsa: SigningJwk;
  const clock = new ShiftedClock();
  const as = (token: string, tenant = TENANT) => apiAs(app, tenant, token);

  beforeAll(async () => {
    rsa = signingKey('RS256', 'rsa-1');
    provider = await TestOidcProvider.start({
      port: await freePort(),
      keys: [rsa, signingKey('ES256', 'ec-1'), signingKey('EdDSA', 'ed-1')],
      audience: AUDIENCE,
      redirectUri: 'http://127.0.0.1/console/callback',
      consoleClientId: 'dg-console',
      accounts: ACCOUNTS,
      machines: {
        'machine-es256': { alg: 'ES256', claims: { roles: ['reader'], tenant_ids: ['*'] } },
        'machine-eddsa': { alg: 'EdDSA', claims: { roles: ['reader'], tenant_ids: ['*'] } },
      },
    });
    app = await createTestApp({
      clock,
      env: {
        ...GENEROUS_LIMITS,
        DG_SERVICE_ACCOUNTS: SERVICE_ACCOUNTS,
        DG_AUTH_FAILURE_LIMIT_PER_MINUTE: '1000',
        DG_OIDC_ISSUER: provider.issuer,
        DG_OIDC_AUDIENCE: AUDIENCE,
        DG_OIDC_CLIENT_ID: 'dg-console',
      },
    });
  });
  afterEach(() => {
    clock.offsetSeconds = 0;
  });
  afterAll(async () => {
    await closeApp(app);
    await provider?.stop();
  });

  it('lets a person sign in with the authorization code flow and PKCE and call whoami', async () => {
    const token = await provider.signIn('alice');
    expect(payloadOf(token)).toMatchObject({ iss: provider.issuer, aud: AUDIENCE, sub: 'alice' });
    const res = await as(token).get('/api/v1/whoami').expect(200);
    expect(res.body.data).toEqual({
      account_id: 'oidc:alice',
      principal_type: 'person',
      person: { sub: 'alice', name: 'Alice Example', email: 'alice@example.com' },
      roles: ['writer'],
      permissions: ['workflow_review', 'workflow_assign'],
      tenant_id: TENANT,
    });
  });

  it('still accepts service-account tokens, as service_account principals without a person', async () => {
    const res = await as(SERVICE_TOKEN).get('/api/v1/whoami').expect(200);
    expect(res.body.data).toMatchObject({ account_id: 'svc-writer', principal_type: 'service_account', person: null });
  });

  it('accepts ES256 and EdDSA signatures as well as RS256', async () => {
    for (const client of ['machine-es256', 'machine-eddsa']) {
      const token = await provider.machineToken(client);
      expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).alg).toBe(
        client === 'machine-es256' ? 'ES256' : 'EdDSA',
      );
      const res = await as(token).get('/api/v1/whoami').expect(200);
      expect(res.body.data).toMatchObject({ account_id: `oidc:${client}`, roles: ['reader'] });
    }
  });

  it('applies the roles, tenants and permissions of the claims like a service account’s', async () => {
    const bob = await provider.signIn('bob');
    expect((await as(bob, 'any-tenant').get('/api/v1/whoami').expect(200)).body.data.tenant_id).toBe('any-tenant');
    const refused = await as(bob).post('/api/v1/events', {}).expect(403);
    expect(refused.body.error.message).toBe('This route requires one of the roles: writer, admin');

    const alice = await provider.signIn('alice');
    const workflowId = await requestException(as(SERVICE_TOKEN), 'oidc-perm');
    const override = await act(as(alice), workflowId, {
      action: 'override',
      reason: 'x',
      confirm_text: overridePhrase(workflowId),
    }).expect(403);
    expect(override.body.error).toMatchObject({ code: 'forbidden', details: { permission: 'workflow_override' } });
  });

  it('refuses a tenant that is not in the token’s tenants claim with 403', async () => {
    const res = await as(await provider.signIn('alice'), 'someone-else')
      .get('/api/v1/whoami')
      .expect(403);
    expect(res.body.error).toMatchObject({
      code: 'forbidden',
      message: 'Account oidc:alice has no access to tenant someone-else',
    });
  });

  it.each([
    ['no-roles', 'roles'],
    ['no-tenants', 'tenant_ids'],
  ])('refuses a genuine token without a required claim with 403 (%s)', async (account, claim) => {
    const res = await as(await provider.signIn(account))
      .get('/api/v1/whoami')
      .expect(403);
    expect(res.body.error).toEqual({
      code: 'forbidden',
      message: `The access token has no ${claim} claim`,
      details: { claim },
    });
  });

  it('refuses a token for another audience with 401', async () => {
    const token = await provider.signIn('alice', 'https://another-api.test/');
    expect(payloadOf(token).aud).toBe('https://another-api.test/');
    expect((await as(token).get('/api/v1/whoami').expect(401)).body.error).toEqual(UNAUTHORIZED);
  });

  it('refuses a token from another issuer, even one signed with the same key, with 401', async () => {
    const port = await freePort();
    // Same keys and audience; only the issuer differs (a trailing slash is another issuer).
    const impostor = await TestOidcProvider.start({ ...provider.settings, port, issuer: `http://127.0.0.1:${port}/` });
    try {
      const token = await impostor.signIn('alice');
      expect(payloadOf(token)).toMatchObject({ iss: impostor.issuer, aud: AUDIENCE });
      expect((await as(token).get('/api/v1/whoami').expect(401)).body.error).toEqual(UNAUTHORIZED);
    } finally {
      await impostor.stop();
    }
  });

  it('refuses an expired token with 401, after 60 s of leeway', async () => {
    const token = await provider.signIn('alice');
    const exp = Number(payloadOf(token).exp);
    clock.offsetSeconds = exp + 30 - Date.now() / 1000;
    await as(token).get('/api/v1/whoami').expect(200);
    clock.offsetSeconds = exp + 90 - Date.now() / 1000;
    expect((await as(token).get('/api/v1/whoami').expect(401)).body.error).toEqual(UNAUTHORIZED);
  });

  it('refuses a token whose nbf is beyond the 60 s leeway with 401, and accepts one within it', async () => {
    const early = await provider.signIn('early');
    expect(Number(payloadOf(early).nbf) - Number(payloadOf(early).iat)).toBe(300);
    expect((await as(early).get('/api/v1/whoami').expect(401)).body.error).toEqual(UNAUTHORIZED);
    await as(await provider.signIn('a-little-early'))
      .get('/api/v1/whoami')
      .expect(200);
  });

  it('refuses alg none, HS256 keyed with the public key, and a tampered signature with 401', async () => {
    const genuine = await provider.signIn('alice');
    const [header, payload, signature] = genuine.split('.');
    const escalated = b64({ ...payloadOf(genuine), roles: ['admin'], permissions: ['*'] });
    const publicPem = createPublicKey({ key: rsa, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hsHead = b64({ alg: 'HS256', typ: 'at+jwt', kid: 'rsa-1' });
    const hsSignature = createHmac('sha256', publicPem).update(`${hsHead}.${payload}`).digest('base64url');
    const forged = [
      `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`,
      `${hsHead}.${payload}.${hsSignature}`,
      `${header}.${escalated}.${signature}`,
      `${header}.${payload}.${signature.slice(0, -4)}AAAA`,
      `${header}.${payload}`,
    ];
    for (const token of forged) {
      expect((await as(token).get('/api/v1/whoami').expect(401)).body.error).toEqual(UNAUTHORIZED);
    }
    await as(genuine).get('/api/v1/whoami').expect(200);
  });

  it('records a person’s approval as actor_type person with the display name, and the event as theirs', async () => {
    const workflowId = await requestException(as(SERVICE_TOKEN), 'oidc-approve');
    const alice = await provider.signIn('alice');
    await act(as(alice), workflowId, { action: 'approve', reason: 'Checked by a person' }).expect(200);
    const detail = await detailOf(as(alice), workflowId);
    expect(detail.actions.at(-1)).toMatchObject({
      action_type: 'approve',
      actor: { actor_id: 'alice', actor_type: 'person', account_id: 'oidc:alice', display_name: 'Alice Example' },
    });
    expect(detail.workflow.approvals).toEqual([
      expect.objectContaining({ account_id: 'oidc:alice', person_sub: 'alice' }),
    ]);
    const events = await traceEvents(as(alice), 'oidc-approve');
    expect(events.at(-1)).toMatchObject({
      event_type: 'ApprovalRecorded',
      recorded_by: 'oidc:alice',
      actor: { actor_id: 'alice', actor_type: 'person' },
      payload: {
        approver: { actor_id: 'alice', actor_type: 'person' },
        approvers: [{ actor_id: 'alice', actor_type: 'person' }],
      },
    });
  });

  it('treats a person as one principal whatever token they come with (separation of duties)', async () => {
    const workflowId = await requestException(as(await provider.signIn('alice')), 'oidc-own');
    expect((await detailOf(as(SERVICE_TOKEN), workflowId)).workflow.requested_by).toBe('oidc:alice');
    const res = await act(as(await provider.signIn('alice')), workflowId, { action: 'approve', reason: 'mine' }).expect(
      403,
    );
    expect(res.body.error.details.rule).toBe('separation_of_duties');
  });

  it('gives a person one vote whatever token they come with, and lists people as approvers (quorum)', async () => {
    const workflowId = await requestException(as(SERVICE_TOKEN), 'oidc-quorum', { required_approvals: 2 });
    const vote = await act(as(await provider.signIn('alice')), workflowId, { action: 'approve', reason: 'one' });
    expect(vote.status).toBe(200);
    expect(vote.body.data.action).toMatchObject({ outcome: 'vote_recorded', approvals_remaining: 1 });
    const again = await act(as(await provider.signIn('alice')), workflowId, { action: 'approve', reason: 'two' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('already approved by oidc:alice');
    await act(as(await provider.signIn('carol')), workflowId, { action: 'approve', reason: 'two' }).expect(200);
    const events = await traceEvents(as(SERVICE_TOKEN), 'oidc-quorum');
    expect(events.at(-1)).toMatchObject({
      event_type: 'ApprovalRecorded',
      recorded_by: 'oidc:carol',
      payload: {
        approvers: [
          { actor_type: 'person', actor_id: 'alice' },
          { actor_type: 'person', actor_id: 'carol' },
        ],
      },
    });
  });

  it('tells a sign-in page the issuer, client id and audience, without a tenant or a token', async () => {
    const res = await request(app.getHttpServer()).get('/api/auth-config').expect(200);
    expect(res.body.data).toEqual({ oidc: { issuer: provider.issuer, client_id: 'dg-console', audience: AUDIENCE } });
  });
});

describe('OIDC tokens under the rate limits (SPEC §4, §12)', () => {
  let provider: TestOidcProvider;
  let app: NestExpressApplication;

  beforeAll(async () => {
    provider = await TestOidcProvider.start({
      port: await freePort(),
      keys: [signingKey('RS256', 'rsa-limits')],
      audience: AUDIENCE,
      redirectUri: 'http://127.0.0.1/console/callback',
      consoleClientId: 'dg-console',
      accounts: { alice: ACCOUNTS.alice },
      machines: {},
    });
    app = await createTestApp({
      env: {
        DG_RATE_LIMIT_READ_PER_MINUTE: '3',
        DG_AUTH_FAILURE_LIMIT_PER_MINUTE: '2',
        DG_OIDC_ISSUER: provider.issuer,
        DG_OIDC_AUDIENCE: AUDIENCE,
      },
    });
  });
  afterAll(async () => {
    await closeApp(app);
    await provider?.stop();
  });

  it('counts one person’s requests together, whatever token they came with', async () => {
    const first = await provider.signIn('alice');
    const second = await provider.signIn('alice');
    expect(second).not.toBe(first);
    await apiAs(app, TENANT, first).get('/api/v1/whoami').expect(200);
    await apiAs(app, TENANT, second).get('/api/v1/whoami').expect(200);
    await apiAs(app, TENANT, first).get('/api/v1/whoami').expect(200);
    const limited = await apiAs(app, TENANT, second).get('/api/v1/whoami').expect(429);
    expect(limited.body.error.code).toBe('rate_limited');
  });

  it('counts refused OIDC tokens against the failed-authentication budget', async () => {
    const token = await provider.signIn('alice', 'https://another-api.test/');
    await apiAs(app, TENANT, token).get('/api/v1/whoami').expect(401);
    await apiAs(app, TENANT, token).get('/api/v1/whoami').expect(401);
    const res = await apiAs(app, TENANT, token).get('/api/v1/whoami').expect(429);
    expect(res.body.error.message).toBe('Too many failed authentication attempts');
  });
});
