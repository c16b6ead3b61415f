import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Clock } from '../../src/common/clock';
import { serviceAccountsEnv } from '../factories/service-accounts';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { freePort, ProviderSettings, signingKey, TestOidcProvider } from '../setup/oidc-test-provider';
import { closeApp, createTestApp, uniqueTenant } from '../setup/test-app';

/** A clock that stands still until the test moves it, so every refetch rule is met exactly. */
class ManualClock extends Clock {
  private at = Date.now();
  now(): Date {
    return new Date(this.at);
  }
  advance(seconds: number): void {
    this.at += seconds * 1000;
  }
}

const AUDIENCE = 'https://decisiongraph.test/api';
const TENANT = uniqueTenant('oidck');
const SERVICE_TOKEN = 'oidc-keys-reader-token';

const settings = async (kid: string): Promise<ProviderSettings> => ({
  port: await freePort(),
  keys: [signingKey('RS256', kid)],
  audience: AUDIENCE,
  redirectUri: 'http://127.0.0.1/console/callback',
  consoleClientId: 'dg-console',
  accounts: { alice: { claims: { name: 'Alice', roles: ['reader'], tenant_ids: [TENANT] } } },
  machines: {},
});

const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).kid as string;

function oidcEnv(issuer: string): Record<string, string> {
  return {
    ...GENEROUS_LIMITS,
    DG_AUTH_FAILURE_LIMIT_PER_MINUTE: '1000',
    DG_SERVICE_ACCOUNTS: serviceAccountsEnv([
      { account_id: 'svc-reader', roles: ['reader'], tenant_ids: ['*'], tokens: [{ token: SERVICE_TOKEN }] },
    ]),
    DG_OIDC_ISSUER: issuer,
    DG_OIDC_AUDIENCE: AUDIENCE,
  };
}

describe('OIDC signing keys: rotation at the provider (SPEC §12)', () => {
  let provider: TestOidcProvider;
  let app: NestExpressApplication;
  const clock = new ManualClock();
  const whoami = (token: string) => apiAs(app, TENANT, token).get('/api/v1/whoami');

  beforeAll(async () => {
    provider = await TestOidcProvider.start(await settings('key-1'));
    app = await createTestApp({ clock, env: oidcEnv(provider.issuer) });
  });
  afterAll(async () => {
    await closeApp(app);
    await provider?.stop();
  });

  it('refetches the key set once for an unknown kid, and at most once a minute', async () => {
    const first = await provider.signIn('alice');
    await whoami(first).expect(200);
    expect(await provider.stats()).toEqual({ discovery: 1, jwks: 1 }); // at start, then cached

    // The provider rotates: key-2 signs from now on, key-1 is still published.
    const [key1] = provider.settings.keys;
    await provider.restart({ keys: [signingKey('RS256', 'key-2'), key1] });
    clock.advance(61);
    const second = await provider.signIn('alice');
    expect(kidOf(second)).toBe('key-2');
    await whoami(second).expect(200);
    await whoami(first).expect(200);
    expect(await provider.stats()).toEqual({ discovery: 0, jwks: 1 });

    // Another rotation within the minute: the unknown key-3 does not make the service fetch again.
    const [key2] = provider.settings.keys;
    await provider.restart({ keys: [signingKey('RS256', 'key-3'), key2] });
    clock.advance(30);
    const third = await provider.signIn('alice');
    expect(kidOf(third)).toBe('key-3');
    await whoami(third).expect(401);
    await whoami(third).expect(401);
    await whoami(second).expect(200);
    expect(await provider.stats()).toEqual({ discovery: 0, jwks: 0 });

    // A minute after the last fetch, the unknown kid is looked up again, once.
    clock.advance(31);
    await whoami(third).expect(200);
    await whoami(third).expect(200);
    expect(await provider.stats()).toEqual({ discovery: 0, jwks: 1 });
  });
});

describe('OIDC provider down when the service starts (SPEC §12)', () => {
  let provider: TestOidcProvider | undefined;
  let app: NestExpressApplication;
  let issuer: string;
  let warnings: string[];
  const clock = new ManualClock();

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    warnings = [];
    const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    try {
      app = await createTestApp({ clock, env: oidcEnv(issuer) });
    } finally {
      spy.mockRestore();
    }
    provider = await TestOidcProvider.start({ ...(await settings('late-key')), port });
  });
  afterAll(async () => {
    await closeApp(app);
    await provider?.stop();
  });

  it('starts anyway, says so, and keeps serving service-account tokens', async () => {
    expect(warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^OpenID provider ${issuer} unusable .*401`))]),
    );
    const res = await apiAs(app, TENANT, SERVICE_TOKEN).get('/api/v1/whoami').expect(200);
    expect(res.body.data).toMatchObject({ account_id: 'svc-reader', principal_type: 'service_account' });
  });

  it('answers 401 to OIDC tokens until discovery is retried, then accepts them', async () => {
    const token = await provider!.signIn('alice');
    const refused = await apiAs(app, TENANT, token).get('/api/v1/whoami').expect(401);
    expect(refused.body.error.code).toBe('unauthorized');
    expect(await provider!.stats()).toEqual({ discovery: 0, jwks: 0 }); // retries are spaced out

    clock.advance(10);
    const res = await apiAs(app, TENANT, token).get('/api/v1/whoami').expect(200);
    expect(res.body.data).toMatchObject({ account_id: 'oidc:alice', principal_type: 'person' });
    expect(await provider!.stats()).toEqual({ discovery: 1, jwks: 1 });
  });
});
