import { setTimeout as sleep } from 'node:timers/promises';
import { act, anExternalApproval, Api, openException, workflowPath } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

const decisionPath = (workflowId: string, wait?: number | string) =>
  workflowPath(workflowId, wait === undefined ? '/decision' : `/decision?wait_seconds=${wait}`);
/** Long enough that a test returning before it proves the wait ended early; never actually waited out. */
const LONG_WAIT = 30;
/** Lets a long poll that was just sent reach its wait before the test acts. */
const SETTLE_MS = 300;

describe('decision long poll (SPEC §17)', () => {
  let tenant: string;
  let writer: Api;
  let admin: Api;
  const app = useTestApp({ env: { ...GENEROUS_LIMITS, DG_LONG_POLL_MAX_WAITERS_PER_ACCOUNT: '2' } });
  beforeEach(() => {
    tenant = uniqueTenant('lp');
    writer = apiAs(app, tenant, DEV_TOKENS.writer);
    admin = apiAs(app, tenant, DEV_TOKENS.admin);
  });

  it('answers the current state at once without wait_seconds', async () => {
    const { workflowId } = await openException(admin, 'lp-open');
    const res = await writer.get(decisionPath(workflowId)).expect(200);
    expect(res.body.data).toEqual({
      workflow_id: workflowId,
      status: 'requested',
      decided: false,
      decision: null,
      reason: null,
      decided_by: null,
      decided_at: null,
      changes_requested: false,
      version: expect.any(Number),
    });
  });

  it('answers at once when the item is decided already, naming who decided', async () => {
    const { workflowId } = await openException(admin, 'lp-decided');
    const approved = await act(admin, workflowId, { action: 'approve', reason: 'Within the cap' }).expect(200);
    const started = Date.now();
    const res = await writer.get(decisionPath(workflowId, LONG_WAIT)).expect(200);
    expect(Date.now() - started).toBeLessThan(LONG_WAIT * 1000);
    expect(res.body.data).toEqual({
      workflow_id: workflowId,
      status: 'approved',
      decided: true,
      decision: 'approved',
      reason: 'Within the cap',
      decided_by: 'dev-admin',
      decided_at: approved.body.data.workflow.resolved_at,
      changes_requested: false,
      version: approved.body.data.workflow.version,
    });
  });

  it('waits, and wakes when another account approves', async () => {
    const { workflowId } = await openException(admin, 'lp-wake');
    const started = Date.now();
    const waiting = writer.get(decisionPath(workflowId, LONG_WAIT)).then((r) => r);
    await sleep(SETTLE_MS);
    await act(admin, workflowId, { action: 'approve', reason: 'Looks fine' }).expect(200);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(LONG_WAIT * 1000);
    expect(res.body.data).toMatchObject({ status: 'approved', decided: true, decided_by: 'dev-admin' });
  });

  it('names the account that recorded a decision imported from the log', async () => {
    const { workflowId, nextSeq } = await openException(admin, 'lp-imported');
    const waiting = writer.get(decisionPath(workflowId, LONG_WAIT)).then((r) => r);
    await sleep(SETTLE_MS);
    await admin
      .post('/api/v1/events', anExternalApproval('lp-imported', nextSeq, 'rejected', { reason: 'Over budget' }))
      .expect(201);
    expect((await waiting).body.data).toMatchObject({
      status: 'rejected',
      decided: true,
      decision: 'rejected',
      reason: 'Over budget',
      decided_by: 'dev-admin',
    });
  });

  it('ends a wait on a rejection and on a change request', async () => {
    const rejected = await openException(admin, 'lp-reject');
    const waitReject = writer.get(decisionPath(rejected.workflowId, LONG_WAIT)).then((r) => r);
    const changed = await openException(admin, 'lp-change');
    const waitChange = writer.get(decisionPath(changed.workflowId, LONG_WAIT)).then((r) => r);
    await sleep(SETTLE_MS);
    await act(admin, rejected.workflowId, { action: 'reject', reason: 'Too risky' }).expect(200);
    await act(admin, changed.workflowId, { action: 'request_change', reason: 'Attach the invoice' }).expect(200);
    expect((await waitReject).body.data).toMatchObject({
      status: 'rejected',
      decided: true,
      decision: 'rejected',
      reason: 'Too risky',
      changes_requested: false,
    });
    expect((await waitChange).body.data).toMatchObject({
      status: 'changes_requested',
      decided: false,
      decision: null,
      reason: 'Attach the invoice',
      decided_by: null,
      decided_at: null,
      changes_requested: true,
    });
  });

  it('keeps waiting through changes that decide nothing, and answers the current state when the time is up', async () => {
    const { workflowId } = await openException(admin, 'lp-timeout');
    const waiting = writer.get(decisionPath(workflowId, 2)).then((r) => r);
    await sleep(SETTLE_MS);
    const claimed = await act(admin, workflowId, { action: 'claim' }).expect(200);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      status: 'in_review',
      decided: false,
      changes_requested: false,
      version: claimed.body.data.workflow.version,
    });
  });

  it('lets a reader wait', async () => {
    const { workflowId } = await openException(admin, 'lp-reader');
    const reader = apiAs(app, tenant, DEV_TOKENS.reader);
    await reader.get(decisionPath(workflowId, 0)).expect(200);
  });

  it.each(['61', '-1', 'abc', '1.5', '', '1e1'])('refuses wait_seconds=%p with 400', async (wait) => {
    const { workflowId } = await openException(admin, `lp-bad-${Buffer.from(wait).toString('hex')}`);
    const res = await writer.get(decisionPath(workflowId, wait)).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_argument',
      message: 'wait_seconds must be an integer between 0 and 60',
    });
  });

  it('answers 404 for an unknown item and for another tenant’s item', async () => {
    const { workflowId } = await openException(admin, 'lp-mine');
    const other = apiAs(app, uniqueTenant('lp-other'), DEV_TOKENS.admin);
    for (const api of [other, writer]) {
      const id = api === writer ? 'lp-nothing:exception:ex-1' : workflowId;
      const res = await api.get(decisionPath(id, 1)).expect(404);
      expect(res.body.error).toMatchObject({ code: 'not_found', message: `Workflow not found: ${id}` });
    }
  });

  it('bounds the waiting requests per account (429 with retry-after beyond)', async () => {
    const { workflowId } = await openException(admin, 'lp-limit');
    const waits = [1, 2].map(() => writer.get(decisionPath(workflowId, LONG_WAIT)).then((r) => r));
    await sleep(SETTLE_MS);
    const refused = await writer.get(decisionPath(workflowId, LONG_WAIT)).expect(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.headers['retry-after']).toBeDefined();
    // Another account has slots of its own, and an immediate answer needs none.
    const reader = apiAs(app, tenant, DEV_TOKENS.reader);
    const readerWait = reader.get(decisionPath(workflowId, LONG_WAIT)).then((r) => r);
    await writer.get(decisionPath(workflowId, 0)).expect(200);
    await sleep(SETTLE_MS);
    await act(admin, workflowId, { action: 'approve', reason: 'ok' }).expect(200);
    for (const res of [...(await Promise.all(waits)), await readerWait]) {
      expect(res.status).toBe(200);
      expect(res.body.data.decided).toBe(true);
    }
    // The slots are free again.
    await writer.get(decisionPath(workflowId, 1)).expect(200);
  });
});

describe('decision long poll on shutdown', () => {
  it('answers a waiting request with the current state when the app closes', async () => {
    const app = await createTestApp({ env: GENEROUS_LIMITS });
    const writer = apiAs(app, uniqueTenant('lp-close'), DEV_TOKENS.writer);
    const { workflowId } = await openException(writer, 'lp-close');
    const waiting = writer.get(decisionPath(workflowId, 60)).then((r) => r);
    await sleep(SETTLE_MS);
    await closeApp(app);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ workflow_id: workflowId, status: 'requested', decided: false });
  });
});
