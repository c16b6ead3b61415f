import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, Page } from 'playwright-core';
import { anEvent } from '../factories/events';
import { anException, workflowPath } from '../factories/workflows';
import { apiAs } from '../setup/api-client';
import { closeApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';
import {
  browserAvailable,
  escapeRegExp,
  horizontalOverflow,
  inPage,
  launchChromium,
  seriousAxeViolations,
} from './chromium';
import { seedExceptions, seedShowcase, writerApi } from './console-data';
import { ConsolePage, openConsole, signIn, startConsoleApp } from './console-session';
import { screenshotPath } from './screenshots';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

describeInBrowser('reviewer console: item detail, actions and studio (SPEC §13, Chromium)', () => {
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

  /** Signs in as the admin (never the requesting writer) and opens the item from the inbox. */
  async function openItem(tenant: string, workflowId: string): Promise<Page> {
    open = await openConsole(browser, baseUrl);
    const { page } = open;
    await signIn(page, tenant, DEV_TOKENS.admin);
    await page.getByRole('link', { name: new RegExp(escapeRegExp(workflowId)) }).click();
    await page.getByText(workflowId, { exact: true }).first().waitFor();
    return page;
  }

  function adminApi(tenant: string) {
    return apiAs(app, tenant, DEV_TOKENS.admin);
  }

  it('shows the item, its trace with the chain verified, and approves it with If-Match', async () => {
    const tenant = uniqueTenant('console');
    const [id] = await seedExceptions(app, tenant, 'trace-approve', 1);
    const page = await openItem(tenant, id);
    await page.getByText('Chain verified').waitFor();
    const events = page.getByRole('table', { name: /Events of the trace/ });
    expect(await events.getByRole('row').count()).toBe(3); // header, TraceStarted, ExceptionRequested
    expect(await events.innerText()).toMatch(/ExceptionRequested[\s\S]*agent-7/);
    for (const name of [
      'Claim',
      'Approve',
      'Reject',
      'Request changes',
      'Comment',
      'Reassign',
      'Escalate',
      'Override',
    ]) {
      expect(await page.getByRole('button', { name, exact: true }).count()).toBe(1);
    }
    expect(await page.getByRole('button', { name: 'Release', exact: true }).count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    const { body } = await adminApi(tenant).get(workflowPath(id)).expect(200);
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/actions'));
    await page.getByLabel('Reason').fill('Within the discount policy for strategic accounts');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    expect((await sent).headers()['if-match']).toBe(`"${body.data.workflow.version}"`);
    await page.getByRole('status').filter({ hasText: 'Approve: approved' }).waitFor();
    await page.locator('.item-badges').getByText('Approved').waitFor();

    const after = await adminApi(tenant).get(workflowPath(id)).expect(200);
    expect(after.body.data.workflow.status).toBe('approved');
    expect(after.body.data.actions.at(-1)).toMatchObject({
      action_type: 'approve',
      actor: { account_id: 'dev-admin' },
    });
    // A closed item offers comments only.
    expect(await page.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Comment', exact: true }).count()).toBe(1);
  });

  it('says the item changed since it was opened on a 412, reloads it, and then acts', async () => {
    const tenant = uniqueTenant('console');
    const [id] = await seedExceptions(app, tenant, 'trace-stale', 1);
    const page = await openItem(tenant, id);
    await page.getByLabel('Reason').fill('Looks fine');
    // Someone else acts meanwhile.
    await writerApi(app, tenant)
      .post(workflowPath(id, '/actions'), { action: 'comment', note: 'checking' })
      .expect(200);

    await page.getByRole('button', { name: 'Reject', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'This item changed since you opened it' }).waitFor();
    await page.getByText('checking').waitFor(); // reloaded: the other comment is on the timeline
    expect((await adminApi(tenant).get(workflowPath(id)).expect(200)).body.data.workflow.status).toBe('requested');

    await page.getByRole('button', { name: 'Reject', exact: true }).click();
    await page.locator('.item-badges').getByText('Rejected').waitFor();
  });

  it('records a vote short of the quorum and shows the votes', async () => {
    const tenant = uniqueTenant('console');
    const traceId = 'trace-quorum';
    await writerApi(app, tenant)
      .post('/api/v1/events/batch', {
        events: [
          anEvent('TraceStarted', { trace_id: traceId, trace_seq: 0 }),
          anException(traceId, 1, { required_approvals: 2 }),
        ],
      })
      .expect(201);
    const id = `${traceId}:exception:ex-1`;
    const page = await openItem(tenant, id);
    const votes = page.getByRole('region', { name: /Approvals/ });
    await votes.getByText('0 of 2').waitFor();
    await page.getByLabel('Reason').fill('First of two');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'vote recorded, 1 more approval needed' }).waitFor();
    await votes.getByText('1 of 2').waitFor();
    await votes.getByText('dev-admin').waitFor();
    // One vote per principal: the admin cannot approve twice, but may still reject.
    expect(await page.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Reject', exact: true }).count()).toBe(1);
  });

  it('offers the requester no decision on its own item (separation of duties)', async () => {
    const tenant = uniqueTenant('console');
    const [id] = await seedExceptions(app, tenant, 'trace-own', 1);
    open = await openConsole(browser, baseUrl);
    const { page } = open;
    await signIn(page, tenant, DEV_TOKENS.writer);
    await page.getByRole('link', { name: new RegExp(escapeRegExp(id)) }).click();
    await page.getByText('You requested this item').waitFor();
    for (const name of ['Approve', 'Reject', 'Override']) {
      expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    }
    expect(await page.getByRole('button', { name: 'Comment', exact: true }).count()).toBe(1);
  });

  it("shows the API's message when an action is refused", async () => {
    const tenant = uniqueTenant('console');
    const [id] = await seedExceptions(app, tenant, 'trace-refused', 1);
    const page = await openItem(tenant, id);
    await page.getByLabel('Reason').fill('Customer is strategic');
    await page.getByLabel('Confirmation').fill('override please');
    await page.getByRole('button', { name: 'Override', exact: true }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: `override requires confirm_text "OVERRIDE ${id.toUpperCase()}"` })
      .waitFor();

    await page.getByLabel('Assignee account').fill('alice');
    await page.getByLabel('Assignee role').fill('finance');
    await page.getByRole('button', { name: 'Reassign', exact: true }).click();
    await page.getByText('alice (finance)').first().waitFor();
  });

  it('claims and releases with the keyboard-reachable buttons, comments with c and approves with a', async () => {
    const tenant = uniqueTenant('console');
    const [id] = await seedExceptions(app, tenant, 'trace-claim', 1);
    const page = await openItem(tenant, id);
    await page.getByRole('button', { name: 'Claim', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Release', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Release', exact: true }).click();
    await page.getByRole('button', { name: 'Claim', exact: true }).waitFor();

    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('c');
    expect(await inPage<string>(page, 'document.activeElement.id')).toBe('action-note');
    await page.keyboard.type('Asked the account team for the signed quote');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('c');
    await page.getByText('Asked the account team for the signed quote').nth(0).waitFor();
    await page.getByRole('status').filter({ hasText: 'Comment: commented' }).waitFor();

    // a with no reason puts the cursor in Reason; with one, it approves.
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('a');
    expect(await inPage<string>(page, 'document.activeElement.id')).toBe('action-reason');
    await page.keyboard.type('Signed quote received');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('a');
    await page.locator('.item-badges').getByText('Approved').waitFor();
    const { body } = await adminApi(tenant).get(workflowPath(id)).expect(200);
    expect(body.data.actions.map((a: { action_type: string }) => a.action_type)).toEqual([
      'requested',
      'claim',
      'release',
      'comment',
      'approval_recorded', // the decision's event, imported back from the log
      'approve',
    ]);
  });

  it('starts a review from a trace in the studio', async () => {
    const tenant = uniqueTenant('console');
    const traceId = 'incident-payments-0412';
    await writerApi(app, tenant)
      .post('/api/v1/events/batch', {
        events: [
          anEvent('TraceStarted', { trace_id: traceId, trace_seq: 0 }),
          anEvent('TraceFinished', { trace_id: traceId, trace_seq: 1, payload: { outcome: 'failure' } }),
        ],
      })
      .expect(201);
    open = await openConsole(browser, baseUrl);
    const { page } = open;
    await signIn(page, tenant, DEV_TOKENS.admin);
    await page.getByRole('link', { name: 'Studio' }).click();
    await page.getByLabel('Trace id').fill(traceId);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText(`${traceId}:trace_review:incident_triage`).waitFor();
    await page.getByText('unfavorable outcome').first().waitFor();
    await page.getByLabel('Template').selectOption('precedent_gap_review');
    await page.getByText(`${traceId}:trace_review:precedent_gap_review`).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByLabel('Reason').fill('Payments failed twice this week; look for a pattern');
    await page.getByRole('button', { name: 'Start review' }).click();
    const id = `${traceId}:trace_review:precedent_gap_review`;
    await page.waitForURL((url) => decodeURIComponent(url.pathname).endsWith(id));
    await page.getByRole('heading', { level: 1 }).waitFor();
    const { body } = await adminApi(tenant).get(workflowPath(id)).expect(200);
    expect(body.data.workflow).toMatchObject({ workflow_kind: 'incident_review', status: 'requested' });
  });

  it('shows a realistic item (README screenshot)', async () => {
    const tenant = uniqueTenant('acme');
    const ids = await seedShowcase(app, tenant);
    await writerApi(app, tenant)
      .post(workflowPath(ids[1], '/actions'), { action: 'comment', note: 'Customer has been with us for 6 years.' })
      .expect(200);
    const page = await openItem(tenant, ids[1]);
    await page.getByText('Chain verified').waitFor();
    await page.getByLabel('Reason').fill('Loyal customer; the delay was caused by our courier.');
    await page.mouse.move(0, 0);
    await page.screenshot({ path: screenshotPath('console-item.png'), fullPage: true });
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 700, height: 900 });
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: screenshotPath('console-item-700.png') });
  });
});
