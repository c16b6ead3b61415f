import { act, Api, detailOf, openException, overridePhrase, workflowPath } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

const ACTIONS = [
  'approve',
  'reject',
  'override',
  'request_change',
  'comment',
  'reassign',
  'escalate',
  'claim',
  'release',
];

/** SPEC §4 / §6.1: every workflow route is tenant-scoped; another tenant's id is 404, never data. */
describe('workflow tenant isolation (SPEC §4, §6.1)', () => {
  let owner: Api;
  let stranger: Api;
  let workflowId: string;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeEach(async () => {
    owner = apiAs(app, uniqueTenant('wft-own'), DEV_TOKENS.admin);
    stranger = apiAs(app, uniqueTenant('wft-other'), DEV_TOKENS.admin);
    ({ workflowId } = await openException(owner, 'secret-deal'));
    await act(owner, workflowId, { action: 'comment', note: 'owner only' }).expect(200);
  });

  it('answers 404 for another tenant’s item, its notifications and its trace', async () => {
    const detail = await stranger.get(workflowPath(workflowId)).expect(404);
    expect(detail.body.error).toMatchObject({ code: 'not_found', message: `Workflow not found: ${workflowId}` });
    expect(detail.body.data).toBeUndefined();
    await stranger.get(workflowPath(workflowId, '/notifications')).expect(404);
    await stranger.get('/api/v1/traces/secret-deal').expect(404);
  });

  it('answers 404 in the workflow studio for another tenant’s trace, and starts no review of it', async () => {
    await stranger.get('/api/v1/workflow-studio/traces/secret-deal').expect(404);
    const review = await stranger
      .post('/api/v1/workflow-studio/traces/secret-deal/reviews', { reason: 'look' })
      .expect(404);
    expect(review.body.error.code).toBe('not_found');
    expect(
      (await owner.get('/api/v1/workflows?trace_id=secret-deal&only_open=false').expect(200)).body.data.items,
    ).toHaveLength(1);
    expect((await owner.get('/api/v1/traces/secret-deal').expect(200)).body.data.events).toHaveLength(2);
  });

  it.each(ACTIONS)('answers 404 to %s on another tenant’s item, and the item is untouched', async (action) => {
    const body = { action, reason: 'r', note: 'n', assigned_role: 'writer', confirm_text: overridePhrase(workflowId) };
    const res = await act(stranger, workflowId, body).expect(404);
    expect(res.body.error.code).toBe('not_found');
    const detail = await detailOf(owner, workflowId);
    expect(detail.workflow.status).toBe('requested');
    expect(detail.actions.map((a: { action_type: string }) => a.action_type)).toEqual(['requested', 'comment']);
  });

  it('shows another tenant an empty inbox, summary and notification feed', async () => {
    const inbox = (await stranger.get('/api/v1/workflows?only_open=false').expect(200)).body.data;
    expect(inbox.items).toEqual([]);
    expect(inbox.summary).toMatchObject({ total_count: 0, open_count: 0, notification_count: 0 });
    expect((await stranger.get(`/api/v1/workflows?trace_id=secret-deal`).expect(200)).body.data.items).toEqual([]);
    expect((await stranger.get('/api/v1/notifications').expect(200)).body.data.notifications).toEqual([]);
    expect(
      (await stranger.get(`/api/v1/notifications?workflow_id=${encodeURIComponent(workflowId)}`).expect(200)).body.data
        .notifications,
    ).toEqual([]);
  });

  it('keeps items with the same ids in two tenants apart, with their own notifications', async () => {
    const mirror = await openException(stranger, 'secret-deal');
    expect(mirror.workflowId).toBe(workflowId);
    await act(stranger, workflowId, { action: 'reject', reason: 'theirs' }).expect(200);
    expect((await detailOf(owner, workflowId)).workflow.status).toBe('requested');
    const theirs = await detailOf(stranger, workflowId);
    expect(theirs.workflow.status).toBe('rejected');
    expect(theirs.actions.map((a: { action_type: string }) => a.action_type)).toEqual([
      'requested',
      'approval_recorded',
      'reject',
    ]);
    // The same dedupe key in each tenant: each has its own assignment notification.
    for (const api of [owner, stranger]) {
      const assignments = (await api.get('/api/v1/notifications?category=assignment').expect(200)).body.data
        .notifications;
      expect(assignments).toHaveLength(1);
    }
    expect((await owner.get('/api/v1/notifications?category=approval').expect(200)).body.data.notifications).toEqual(
      [],
    );
  });

  it('keeps Idempotency-Keys per tenant', async () => {
    await openException(stranger, 'secret-deal');
    const body = { action: 'comment', note: 'same key, same body' };
    const mine = await act(owner, workflowId, body, { 'Idempotency-Key': 'shared' }).expect(200);
    const theirs = await act(stranger, workflowId, body, { 'Idempotency-Key': 'shared' }).expect(200);
    expect(theirs.body.data.action.action_id).not.toBe(mine.body.data.action.action_id);
    expect(theirs.body.data.workflow.tenant_id).not.toBe(mine.body.data.workflow.tenant_id);
  });

  it('lists the trace’s workflows only to its tenant', async () => {
    const trace = (await owner.get('/api/v1/traces/secret-deal').expect(200)).body.data;
    expect(trace.workflows.map((w: { workflow_id: string }) => w.workflow_id)).toEqual([workflowId]);
    await openException(stranger, 'secret-deal');
    const theirs = (await stranger.get('/api/v1/traces/secret-deal').expect(200)).body.data.workflows;
    expect(theirs).toHaveLength(1);
    expect(theirs[0].tenant_id).not.toBe(trace.workflows[0].tenant_id);
  });
});
