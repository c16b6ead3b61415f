import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser } from 'playwright-core';
import { freePort, signingKey, TestOidcProvider } from '../setup/oidc-test-provider';
import { GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, uniqueTenant } from '../setup/test-app';
import { browserAvailable, launchChromium, seriousAxeViolations } from './chromium';
import { seedExceptions } from './console-data';
import { ConsolePage, openConsole } from './console-session';

const describeInBrowser = browserAvailable() ? describe : describe.skip;
const AUDIENCE = 'https://decisiongraph.test/api';
const CLIENT_ID = 'dg-console';

describeInBrowser('reviewer console: sign-in with an identity provider (SPEC §12, §13, Chromium)', () => {
  const tenant = uniqueTenant('oidc-console');
  let provider: TestOidcProvider;
  let app: NestExpressApplication;
  let baseUrl: string;
  let browser: Browser;
  let open: ConsolePage | undefined;

  beforeAll(async () => {
    const appPort = await freePort();
    baseUrl = `http://127.0.0.1:${appPort}`;
    provider = await TestOidcProvider.start({
      port: await freePort(),
      keys: [signingKey('RS256', 'rsa-1')],
      audience: AUDIENCE,
      redirectUri: `${baseUrl}/console/`,
      consoleClientId: CLIENT_ID,
      accounts: {
        rita: {
          claims: {
            name: 'Rita Reviewer',
            email: 'rita@example.com',
            roles: ['writer'],
            tenant_ids: [tenant],
            permissions: ['workflow_review', 'workflow_assign'],
          },
        },
      },
      machines: {},
    });
    app = await createTestApp({
      env: {
        ...GENEROUS_LIMITS,
        DG_OIDC_ISSUER: provider.issuer,
        DG_OIDC_AUDIENCE: AUDIENCE,
        DG_OIDC_CLIENT_ID: CLIENT_ID,
      },
    });
    await app.listen(appPort, '127.0.0.1');
    browser = await launchChromium();
  });
  afterEach(async () => {
    if (open) expect(open.errors).toEqual([]);
    await open?.context.close();
    open = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await closeApp(app);
    await provider?.stop();
  });

  it('lets the CSP reach the provider only, signs a person in with PKCE, and acts as that person', async () => {
    const [id] = await seedExceptions(app, tenant, 'trace-oidc', 1);
    open = await openConsole(browser, baseUrl);
    const { page } = open;
    const csp = (await page.request.get('/console')).headers()['content-security-policy'];
    expect(csp).toBe(`default-src 'self'; connect-src 'self' ${new URL(provider.issuer).origin}`);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The test provider signs in whoever login_hint names (it has no login form).
    let authorize: URL | undefined;
    await page.route(`${provider.issuer}/auth?**`, (route) => {
      authorize = new URL(route.request().url());
      const url = new URL(authorize);
      url.searchParams.set('login_hint', 'rita');
      return route.continue({ url: url.href });
    });
    await page.getByLabel('Tenant').fill(tenant);
    await page.getByRole('button', { name: 'Sign in with your identity provider' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    expect(authorize?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize?.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(page.url()).toBe(`${baseUrl}/console/`); // the code is gone from the address bar
    await page.getByText('oidc:rita').waitFor();

    await page.getByRole('link', { name: new RegExp(id) }).click();
    await page.getByLabel('Note').fill('Looked at it as a person');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Comment: commented' }).waitFor();
    await page.getByText('by rita').waitFor();
  });
});
