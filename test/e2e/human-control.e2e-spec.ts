import { eventHash } from '../../src/ingestion/event-hashing';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { uniqueTenant, useTestApp } from '../setup/test-app';
import { anEvent } from '../factories/events';
import { serviceAccountsEnv } from '../factories/service-accounts';
import {
  act,
  anException,
  anExternalApproval,
  aReviewRequest,
  detailOf,
  exceptionWorkflowId,
  openExceptionAs,
  overridePhrase,
  traceEvents,
  workflowPath,
} from '../factories/workflows';

const TOKENS = {
  agent: 'hc-agent-token',
  bare: 'hc-bare-token',
  alice: 'hc-alice-token',
  bob: 'hc-bob-token',
  carol: 'hc-carol-token',
  admin: 'hc-admin-token',
} as const;

/** An agent that asks (with the usual writer permissions), three reviewers, a writer without permissions, an admin. */
const ACCOUNTS = serviceAccountsEnv([
  {
    account_id: 'agent',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_review', 'workflow_assign'],
    tokens: [{ token: TOKENS.agent }],
  },
  {
    account_id: 'bare-writer',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: [],
    tokens: [{ token: TOKENS.bare }],
  },
  {
    account_id: 'alice',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_review'],
    tokens: [{ token: TOKENS.alice }],
  },
  {
    account_id: 'bob',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_review'],
    tokens: [{ token: TOKENS.bob }],
  },
  {
    account_id: 'carol',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_review'],
    tokens: [{ token: TOKENS.carol }],
  },
  {
    account_id: 'hc-admin',
    roles: ['admin'],
    tenant_ids: ['*'],
    permissions: ['*'],
    tokens: [{ token: TOKENS.admin }],
  },
]);

describe('Human control (SPEC §11)', () => {
  let tenant: string;
  const as = (token: string) => apiAs(app, tenant, token);

  const app = useTestApp({ env: { ...GENEROUS_LIMITS, DG_SERVICE_ACCOUNTS: ACCOUNTS } });
  beforeEach(() => {
    tenant = uniqueTenant('hc');
  });

  describe('attribution (§11.1)', () => {
    it('records the caller as recorded_by on every event, inside a version 2 hash', async () => {
      const { workflowId } = await openExceptionAs(as(TOKENS.agent), 'tr-attr');
      const events = await traceEvents(as(TOKENS.alice), 'tr-attr');
      for (const event of events as unknown as Parameters<typeof eventHash>[0][]) {
        expect(event).toMatchObject({ recorded_by: 'agent', hash_version: 2 });
        expect(eventHash(event)).toBe((event as unknown as { event_hash: string }).event_hash);
      }
      expect((await detailOf(as(TOKENS.alice), workflowId)).workflow.requested_by).toBe('agent');
    });

    it('records the acting reviewer on the decision it appends', async () => {
      const { workflowId } = await openExceptionAs(as(TOKENS.agent), 'tr-attr-2');
      await act(as(TOKENS.alice), workflowId, { action: 'approve', reason: 'fine' }).expect(200);
      const events = await traceEvents(as(TOKENS.alice), 'tr-attr-2');
      expect(events.at(-1)).toMatchObject({ event_type: 'ApprovalRecorded', recorded_by: 'alice' });
    });

    it('refuses a body that carries recorded_by, storing nothing', async () => {
      const body = { ...anEvent('TraceStarted', { trace_id: 'tr-rb' }), recorded_by: 'someone-else' };
      const res = await as(TOKENS.agent).post('/api/v1/events', body).expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_argument', details: { path: '$.recorded_by' } });
      await as(TOKENS.agent).get('/api/v1/traces/tr-rb').expect(404);
    });
  });

  describe('decision authority on the event route (§11.2)', () => {
    it('refuses an ApprovalRecorded without workflow_review', async () => {
      await openExceptionAs(as(TOKENS.agent), 'tr-auth');
      const res = await as(TOKENS.bare)
        .post('/api/v1/events', anExternalApproval('tr-auth', 2, 'approved'))
        .expect(403);
      expect(res.body.error).toMatchObject({
        code: 'forbidden',
        message: 'Missing permission: workflow_review',
        details: { permission: 'workflow_review' },
      });
    });

    it('asks workflow_override of an ApprovalRecorded for an override subject', async () => {
      const { workflowId } = await openExceptionAs(as(TOKENS.agent), 'tr-auth-ov');
      const override = anExternalApproval('tr-auth-ov', 2, 'approved', {
        subject: { subject_type: 'override', subject_id: workflowId },
      });
      const res = await as(TOKENS.alice).post('/api/v1/events', override).expect(403);
      expect(res.body.error.message).toBe('Missing permission: workflow_override');
    });

    it('refuses a WorkflowReviewRequested without workflow_assign', async () => {
      await as(TOKENS.bare)
        .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'tr-rv' }))
        .expect(201);
      const res = await as(TOKENS.bare).post('/api/v1/events', aReviewRequest('tr-rv', 1)).expect(403);
      expect(res.body.error.message).toBe('Missing permission: workflow_assign');
    });

    it('refuses a batch with one unauthorised event, naming its index, and stores none of it', async () => {
      const events = [
        anEvent('TraceStarted', { trace_id: 'tr-batch' }),
        anException('tr-batch', 1),
        anExternalApproval('tr-batch', 2, 'approved'),
      ];
      const res = await as(TOKENS.bare).post('/api/v1/events/batch', { events }).expect(403);
      expect(res.body.error.details).toMatchObject({ permission: 'workflow_review', index: 2 });
      await as(TOKENS.bare).get('/api/v1/traces/tr-batch').expect(404);
    });

    it.each(['decisiongraph-workflow', 'workflow-studio'])('reserves the producer id %s', async (producerId) => {
      const body = anEvent('TraceStarted', { trace_id: 'tr-res', source: { producer_id: producerId, system: 'x' } });
      const res = await as(TOKENS.admin).post('/api/v1/events', body).expect(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', message: `producer_id ${producerId} is reserved` });
    });
  });

  describe('separation of duties (§11.3)', () => {
    it.each([
      ['approve', {}],
      ['reject', {}],
      ['override', {}],
    ])('refuses %s by the requester and changes nothing', async (action) => {
      const { workflowId } = await openExceptionAs(as(TOKENS.admin), `tr-sod-${action}`);
      const before = await detailOf(as(TOKENS.admin), workflowId);
      const res = await act(as(TOKENS.admin), workflowId, {
        action,
        reason: 'I say so',
        confirm_text: overridePhrase(workflowId),
      }).expect(403);
      expect(res.body.error).toEqual({
        code: 'forbidden',
        message: 'separation of duties: the requester cannot decide its own request',
        details: { rule: 'separation_of_duties', workflow_id: workflowId },
      });
      const after = await detailOf(as(TOKENS.admin), workflowId);
      expect(after.workflow).toMatchObject({ status: 'requested', version: before.workflow.version });
      expect(await traceEvents(as(TOKENS.admin), `tr-sod-${action}`)).toHaveLength(2);
    });

    it('lets the requester comment on, claim and escalate its own item', async () => {
      const { workflowId } = await openExceptionAs(as(TOKENS.admin), 'tr-sod-other');
      await act(as(TOKENS.admin), workflowId, { action: 'comment', note: 'context' }).expect(200);
      const claimed = await act(as(TOKENS.admin), workflowId, { action: 'claim' }).expect(200);
      expect(claimed.body.data.workflow).toMatchObject({ status: 'in_review', claimed_by_account_id: 'hc-admin' });
      const escalated = await act(as(TOKENS.admin), workflowId, { action: 'escalate', reason: 'slow' }).expect(200);
      expect(escalated.body.data.workflow.status).toBe('escalated');
    });

    it('refuses an ApprovalRecorded posted by the requester for its own item', async () => {
      await openExceptionAs(as(TOKENS.agent), 'tr-sod-ev');
      const res = await as(TOKENS.agent)
        .post('/api/v1/events', anExternalApproval('tr-sod-ev', 2, 'approved'))
        .expect(403);
      expect(res.body.error).toMatchObject({
        code: 'forbidden',
        message: 'separation of duties: the requester cannot decide its own request',
        details: { rule: 'separation_of_duties' },
      });
      expect(await traceEvents(as(TOKENS.agent), 'tr-sod-ev')).toHaveLength(2);
      await as(TOKENS.alice)
        .post('/api/v1/events', anExternalApproval('tr-sod-ev', 2, 'approved'))
        .expect(201);
    });

    it('refuses a batch that requests and approves as one principal', async () => {
      const events = [
        anEvent('TraceStarted', { trace_id: 'tr-sod-batch' }),
        anException('tr-sod-batch', 1),
        anExternalApproval('tr-sod-batch', 2, 'approved'),
      ];
      const res = await as(TOKENS.agent).post('/api/v1/events/batch', { events }).expect(403);
      expect(res.body.error.details).toMatchObject({ rule: 'separation_of_duties', index: 2 });
      await as(TOKENS.agent).get('/api/v1/traces/tr-sod-batch').expect(404);
    });
  });

  describe('quorum (§11.4)', () => {
    async function openQuorum(traceId: string, required: number) {
      return openExceptionAs(as(TOKENS.agent), traceId, { required_approvals: required });
    }

    it('records votes until the quorum, then appends one ApprovalRecorded listing every approver', async () => {
      const { workflowId } = await openQuorum('tr-q', 2);
      const first = await act(as(TOKENS.alice), workflowId, { action: 'approve', reason: 'ok by me' }).expect(200);
      expect(first.body.data.action).toMatchObject({ outcome: 'vote_recorded', approvals_remaining: 1 });
      expect(first.body.data.workflow).toMatchObject({ status: 'requested', approval_count: 1, required_approvals: 2 });
      expect(await traceEvents(as(TOKENS.alice), 'tr-q')).toHaveLength(2);

      const again = await act(as(TOKENS.alice), workflowId, { action: 'approve', reason: 'again' }).expect(409);
      expect(again.body.error).toMatchObject({ code: 'conflict', message: 'already approved by alice' });

      const second = await act(as(TOKENS.bob), workflowId, { action: 'approve', reason: 'agreed' }).expect(200);
      expect(second.body.data.action.outcome).toBe('approved');
      const detail = await detailOf(as(TOKENS.bob), workflowId);
      expect(detail.workflow).toMatchObject({ status: 'approved', approval_count: 2 });
      expect(detail.workflow.approvals.map((a: { account_id: string }) => a.account_id)).toEqual(['alice', 'bob']);
      const decisions = (await traceEvents(as(TOKENS.bob), 'tr-q')).filter((e) => e.event_type === 'ApprovalRecorded');
      expect(decisions).toHaveLength(1);
      expect(decisions[0].payload.approvers).toEqual([
        { actor_type: 'role', actor_id: 'alice' },
        { actor_type: 'role', actor_id: 'bob' },
      ]);
      // The votes are action rows too, in the detail (and so in the export).
      expect(detail.actions.filter((a: { action_type: string }) => a.action_type === 'approve')).toHaveLength(2);
    });

    it('lets two approvers at the same moment on a 2-of-2 item append exactly one ApprovalRecorded', async () => {
      const { workflowId } = await openQuorum('tr-q-race', 2);
      const results = await Promise.all([
        act(as(TOKENS.alice), workflowId, { action: 'approve', reason: 'a' }),
        act(as(TOKENS.bob), workflowId, { action: 'approve', reason: 'b' }),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      expect(results.map((r) => r.body.data.action.outcome).sort()).toEqual(['approved', 'vote_recorded']);
      const decisions = (await traceEvents(as(TOKENS.alice), 'tr-q-race')).filter(
        (e) => e.event_type === 'ApprovalRecorded',
      );
      expect(decisions).toHaveLength(1);
    });

    it('lets one reject veto, and request_change clear the votes', async () => {
      const { workflowId } = await openQuorum('tr-q-veto', 3);
      await act(as(TOKENS.alice), workflowId, { action: 'approve', reason: 'a' }).expect(200);
      const changed = await act(as(TOKENS.bob), workflowId, { action: 'request_change', reason: 'add the margin' });
      expect(changed.status).toBe(200);
      expect(changed.body.data.workflow).toMatchObject({
        status: 'changes_requested',
        approval_count: 0,
        current_reason: 'add the margin',
      });
      await act(as(TOKENS.alice), workflowId, { action: 'approve', reason: 'a again' }).expect(200);
      const vetoed = await act(as(TOKENS.carol), workflowId, { action: 'reject', reason: 'no' }).expect(200);
      expect(vetoed.body.data.workflow.status).toBe('rejected');
    });

    it('tells the requester about a change request through a changes_requested notification', async () => {
      const { workflowId } = await openQuorum('tr-q-notify', 1);
      await act(as(TOKENS.alice), workflowId, { action: 'request_change', reason: 'add the margin' }).expect(200);
      const res = await as(TOKENS.agent)
        .get(`/api/v1/notifications?category=changes_requested&workflow_id=${encodeURIComponent(workflowId)}`)
        .expect(200);
      expect(res.body.data.notifications).toHaveLength(1);
      expect(res.body.data.notifications[0]).toMatchObject({
        category: 'changes_requested',
        recipient_account_id: 'agent',
        message: `Workflow ${workflowId} needs changes: add the margin`,
      });
      expect(res.body.data.notifications[0].dedupe_key).toMatch(/^changes_requested:.+:wfa:/);
    });

    it('lists awaiting_my_approval and counts it in the summary', async () => {
      const { workflowId } = await openQuorum('tr-q-inbox', 2);
      await act(as(TOKENS.alice), workflowId, { action: 'approve', reason: 'a' }).expect(200);
      const inboxOf = async (token: string) =>
        (await as(token).get('/api/v1/workflows?awaiting_my_approval=true').expect(200)).body.data;
      const alice = await inboxOf(TOKENS.alice);
      const bob = await inboxOf(TOKENS.bob);
      const agent = await inboxOf(TOKENS.agent);
      expect(alice.items).toHaveLength(0);
      expect(alice.summary.awaiting_approval_count).toBe(0);
      expect(bob.items.map((i: { workflow_id: string }) => i.workflow_id)).toEqual([workflowId]);
      expect(bob.summary.awaiting_approval_count).toBe(1);
      expect(agent.items).toHaveLength(0);
    });

    it('decides on an ApprovalRecorded from the log whatever the votes', async () => {
      const { workflowId } = await openQuorum('tr-q-log', 3);
      await act(as(TOKENS.alice), workflowId, { action: 'approve', reason: 'a' }).expect(200);
      await as(TOKENS.bob)
        .post('/api/v1/events', anExternalApproval('tr-q-log', 2, 'approved'))
        .expect(201);
      expect((await detailOf(as(TOKENS.bob), workflowId)).workflow.status).toBe('approved');
    });

    it.each([0, 11, 'two'])('refuses required_approvals %p with a 422 and stores nothing', async (value) => {
      await as(TOKENS.agent)
        .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'tr-q-bad' }))
        .expect(201);
      const res = await as(TOKENS.agent)
        .post('/api/v1/events', anException('tr-q-bad', 1, { required_approvals: value }))
        .expect(422);
      expect(res.body.error).toMatchObject({
        code: 'schema_violation',
        details: { path: '$.payload.required_approvals' },
      });
      await as(TOKENS.agent)
        .get(workflowPath(exceptionWorkflowId('tr-q-bad')))
        .expect(404);
    });

    it('takes required_approvals on a studio review and refuses one out of range', async () => {
      await as(TOKENS.agent)
        .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'tr-q-studio' }))
        .expect(201);
      const path = '/api/v1/workflow-studio/traces/tr-q-studio/reviews';
      await as(TOKENS.agent).post(path, { reason: 'check', required_approvals: 11 }).expect(400);
      const res = await as(TOKENS.agent).post(path, { reason: 'check', required_approvals: 2 }).expect(201);
      expect(res.body.data.workflow).toMatchObject({ required_approvals: 2, requested_by: 'agent' });
    });
  });
});
