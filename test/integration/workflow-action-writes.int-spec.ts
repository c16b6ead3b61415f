import type { NestExpressApplication } from '@nestjs/platform-express';
import { DriverTransactionsService } from '../../src/database/driver-transactions.service';
import { DriverTx } from '../../src/database/driver-tx';
import { PrismaService } from '../../src/database/prisma.service';
import { act, openException, WF_TOKENS, WORKFLOW_ACCOUNTS } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, uniqueTenant } from '../setup/test-app';

// A workflow action writes its item once (issue 13): the decision event, its import and the
// action itself go out in one statement. Every statement that writes items adds one
// `workflow.changed` row per item to dg_change_stream (migration 20261207122627), so the rows of an
// item count the statements that wrote it, on either database. On PostgreSQL the action runs on
// the pg driver, as appends do, in two statements (locks and reads, then the write).
describe('workflow actions write their item once', () => {
  let app: NestExpressApplication;
  let prisma: PrismaService;

  beforeAll(async () => {
    app = await createTestApp({ env: { ...GENEROUS_LIMITS, DG_SERVICE_ACCOUNTS: WORKFLOW_ACCOUNTS } });
    prisma = app.get(PrismaService);
  });
  afterAll(() => closeApp(app));

  /** The statements that wrote the item so far: its workflow.changed rows, with the version each left. */
  async function itemWrites(tenant: string, workflowId: string) {
    return prisma.$queryRaw<{ status: string; version: number }[]>`
      SELECT status, version FROM dg_change_stream
      WHERE tenant_id = ${tenant} AND workflow_id = ${workflowId} AND kind = 'workflow.changed' ORDER BY id`;
  }

  it('approve: the ApprovalRecorded, its import and the approve action in one write of the item', async () => {
    const tenant = uniqueTenant();
    const api = apiAs(app, tenant, WF_TOKENS.admin);
    const { workflowId } = await openException(api, 'single-write');
    const before = await itemWrites(tenant, workflowId);
    expect(before).toEqual([{ status: 'requested', version: 1 }]);

    const approved = await act(api, workflowId, { action: 'approve', reason: 'within policy' }).expect(200);
    expect(approved.body.data.action).toMatchObject({ outcome: 'approved', appended_event_id: expect.any(String) });
    const workflow = approved.body.data.workflow;
    // Two action rows (the imported approval_recorded, then approve), one write.
    expect(workflow.version).toBe(3);
    expect(await itemWrites(tenant, workflowId)).toEqual([...before, { status: 'approved', version: 3 }]);

    const actions = (await api.get(`/api/v1/workflows/${encodeURIComponent(workflowId)}/actions`).expect(200)).body
      .data;
    const types = (actions.actions ?? actions).map((a: { action_type: string }) => a.action_type);
    expect(types).toEqual(['requested', 'approval_recorded', 'approve']);
  });

  it('a quorum: the vote and the completing approve each write the item once', async () => {
    const tenant = uniqueTenant();
    const reviewer = apiAs(app, tenant, WF_TOKENS.reviewer);
    const { workflowId } = await openException(reviewer, 'quorum-write', { required_approvals: 2 });
    const vote = await act(reviewer, workflowId, { action: 'approve', reason: 'first' }).expect(200);
    expect(vote.body.data.action).toMatchObject({ outcome: 'vote_recorded', approvals_remaining: 1 });
    const decided = await act(reviewer.as(WF_TOKENS.reviewer2), workflowId, { action: 'approve', reason: 'second' });
    expect(decided.status).toBe(200);
    expect(decided.body.data.action.outcome).toBe('approved');
    expect(decided.body.data.workflow).toMatchObject({ status: 'approved', approval_count: 2 });
    expect(await itemWrites(tenant, workflowId)).toEqual([
      { status: 'requested', version: 1 },
      { status: 'requested', version: 2 },
      { status: 'approved', version: 4 },
    ]);
  });

  it('reject, request_change and comment: one write each', async () => {
    const tenant = uniqueTenant();
    const api = apiAs(app, tenant, WF_TOKENS.admin);
    const { workflowId } = await openException(api, 'other-writes');
    await act(api, workflowId, { action: 'request_change', reason: 'more evidence' }).expect(200);
    await act(api, workflowId, { action: 'reject', reason: 'over the cap' }).expect(200);
    await act(api, workflowId, { action: 'comment', note: 'for the record' }).expect(200);
    expect(await itemWrites(tenant, workflowId)).toEqual([
      { status: 'requested', version: 1 },
      { status: 'changes_requested', version: 2 },
      { status: 'rejected', version: 4 },
      { status: 'rejected', version: 5 },
    ]);
  });

  it('on PostgreSQL, an approve is two statements on the pg driver: locks and reads, then the write', async () => {
    const tenant = uniqueTenant();
    const api = apiAs(app, tenant, WF_TOKENS.admin);
    const { workflowId } = await openException(api, 'round-trips');
    const driver = app.get(DriverTransactionsService);
    const statements = jest.spyOn(DriverTx.prototype, 'query');
    try {
      await act(api, workflowId, { action: 'approve', reason: 'within policy' }, { 'Idempotency-Key': 'k-1' }).expect(
        200,
      );
      // Embedded: no driver; the same two statements go through Prisma's transaction.
      const expected = driver.available
        ? ['dg_workflow_action_prepare', expect.stringMatching(/^dg_workflow_act_/)]
        : [];
      expect(statements.mock.calls.map(([name]) => name)).toEqual(expected);
      if (driver.available)
        expect(statements.mock.calls[1][0]).toBe('dg_workflow_act_event_items_actions_notices_cursor_request');
    } finally {
      statements.mockRestore();
    }
    // The Idempotency-Key's response went out with the write: the replay answers it.
    const replay = await act(
      api,
      workflowId,
      { action: 'approve', reason: 'within policy' },
      { 'Idempotency-Key': 'k-1' },
    );
    expect(replay.status).toBe(200);
    expect(replay.body.data.action.outcome).toBe('approved');
  });
});
