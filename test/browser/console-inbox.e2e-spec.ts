import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser } from 'playwright-core';
import { anException } from '../factories/workflows';
import { closeApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';
import {
  browserAvailable,
  escapeRegExp,
  eventually,
  horizontalOverflow,
  inPage,
  launchChromium,
  seriousAxeViolations,
} from './chromium';
import { seedExceptions, seedShowcase, writerApi } from './console-data';
import { ConsolePage, openConsole, signIn, startConsoleApp } from './console-session';
import { screenshotPath } from './screenshots';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

describeInBrowser('reviewer console: sign-in and inbox (SPEC §13, Chromium)', () => {
  let app: NestExpressApplication;
  let baseUrl: string;
  let browser: Browser;
  let open: ConsolePage | undefined;

  beforeAll(async () => {
    ({ app, baseUrl } = await startConsoleApp());
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
  });

  it('refuses a wrong token with the API message, then signs in and shows tiles and rows', async () => {
    const tenant = uniqueTenant('console');
    const [first] = await seedExceptions(app, tenant, 'trace-tiles', 3, 1);
    open = await openConsole(browser, baseUrl);
    const { page } = open;
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByLabel('Tenant').fill(tenant);
    await page.getByLabel('Token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /token/i }).waitFor();

    await signIn(page, tenant, DEV_TOKENS.admin);
    const summary = page.getByRole('list', { name: 'Summary' });
    // The tiles render with "–" until the first page arrives: wait for the number, not the label.
    await eventually(async () =>
      expect(
        await summary
          .getByRole('listitem')
          .filter({ hasText: /^3\s*Open$/ })
          .count(),
      ).toBe(1),
    );
    const link = page.getByRole('link', { name: new RegExp(escapeRegExp(first)) });
    await link.waitFor();
    const row = page.getByRole('row').filter({ has: link });
    expect(await row.innerText()).toMatch(/Urgent[\s\S]*Requested[\s\S]*Due in[\s\S]*admin/);
    expect(await inPage<number>(page, 'window.sessionStorage.length')).toBe(1);
    expect(await inPage<number>(page, 'window.localStorage.length')).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('filters by priority, follows the cursor with Load more, and shows new items within 5 s', async () => {
    const tenant = uniqueTenant('console');
    await seedExceptions(app, tenant, 'trace-many', 14, 2);
    open = await openConsole(browser, baseUrl);
    const { page } = open;
    await signIn(page, tenant, DEV_TOKENS.admin);
    const rows = page.getByRole('link', { name: /trace-many:exception:/ });
    await eventually(async () => expect(await rows.count()).toBe(12)); // the API's page

    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(async () => expect(await rows.count()).toBe(14));
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    await page.getByLabel('Priority').selectOption('urgent');
    await eventually(async () => expect(await rows.count()).toBe(2));
    expect(page.url()).toContain('priority=urgent');

    // Made elsewhere (an agent), seen without a reload.
    await writerApi(app, tenant)
      .post('/api/v1/events', anException('trace-many', 15, { exception_id: 'ex-live', priority: 'urgent' }))
      .expect(201);
    await page.getByRole('link', { name: /trace-many:exception:ex-live/ }).waitFor({ timeout: 15_000 });
  });

  it('lists the shortcuts on ?, moves with j/k, opens with Enter, and signs out', async () => {
    const tenant = uniqueTenant('console');
    const ids = await seedExceptions(app, tenant, 'trace-keys', 3);
    open = await openConsole(browser, baseUrl);
    const { page } = open;
    await signIn(page, tenant, DEV_TOKENS.admin);
    await page.getByRole('link', { name: new RegExp(ids[0]) }).waitFor();

    await page.keyboard.press('?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.waitFor();
    for (const key of ['j', 'k', 'a', 'r', 'c', '?']) {
      const kbd = page.locator('kbd', { hasText: new RegExp(`^${escapeRegExp(key)}$`) });
      expect(await sheet.getByRole('row').filter({ has: kbd }).count()).toBe(1);
    }
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'hidden' });

    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const focused = await inPage<string>(page, 'document.activeElement.textContent');
    expect(focused).toContain(ids[0]);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: /Renew ACME contract/ }).waitFor();
    expect(decodeURIComponent(page.url())).toContain(`/console/workflows/${ids[0]}`);
    await page.keyboard.press('j');
    await page.waitForURL((url) => decodeURIComponent(url.pathname).endsWith(ids[1]));

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Tenant').waitFor();
    expect(await inPage<number>(page, 'window.sessionStorage.length')).toBe(0);
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('ends the session when its token stops working, and says why', async () => {
    const tenant = uniqueTenant('console');
    open = await openConsole(browser, baseUrl);
    const { page } = open;
    await signIn(page, tenant, DEV_TOKENS.reader);
    // As if the token had been revoked or had expired meanwhile.
    await inPage(
      page,
      `(() => { const k = Object.keys(sessionStorage)[0]; const s = JSON.parse(sessionStorage.getItem(k));
         sessionStorage.setItem(k, JSON.stringify({ ...s, token: 'revoked-token' })); })()`,
    );
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Your session ended' }).waitFor();
    await page.getByLabel('Token').waitFor();
    expect(await inPage<number>(page, 'window.sessionStorage.length')).toBe(0);
  });

  it('looks right from 1280 px down to a split screen (README screenshot)', async () => {
    const tenant = uniqueTenant('acme');
    const ids = await seedShowcase(app, tenant);
    open = await openConsole(browser, baseUrl);
    const { page } = open;
    await signIn(page, tenant, DEV_TOKENS.admin);
    await page.getByRole('link', { name: new RegExp(ids[0]) }).waitFor();
    await page.getByText('Overdue', { exact: false }).first().waitFor();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: screenshotPath('console-inbox.png') });
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

    await page.setViewportSize({ width: 700, height: 800 });
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });
});
