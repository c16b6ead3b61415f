import {
  act,
  Api,
  detailOf,
  exceptionWorkflowId,
  openException,
  openReview,
  overridePhrase,
  WF_TOKENS,
  WORKFLOW_ACCOUNTS,
} from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { uniqueTenant, useTestApp } from '../setup/test-app';

/** A request body that passes every guard of `action` on an open, unclaimed exception item. */
function validBody(action: string, workflowId: string): Record<string, unknown> {
  return {
    action,
    reason: 'Checked the contract',
    note: 'ok',
    assigned_role: 'writer',
    confirm_text: overridePhrase(workflowId),
  };
}

const ALL_ACTIONS = [
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

/** SPEC §6.3's guards, in their order, each with its status and message. */
describe('workflow action guards (SPEC §6.3)', () => {
  let tenant: string;
  const as = (token: string): Api => apiAs(app, tenant, token);
  const app = useTestApp({ env: { ...GENEROUS_LIMITS, DG_SERVICE_ACCOUNTS: WORKFLOW_ACCOUNTS } });
  beforeEach(() => {
    tenant = uniqueTenant('wfg');
  });

  it.each([
    ['an unknown action', { action: 'frobnicate', reason: 'x' }],
    ['a missing action', { reason: 'x' }],
    ['a non-string action', { action: 7 }],
  ])('answers 400 Unsupported workflow action for %s, before looking the item up', async (_name, body) => {
    const admin = as(WF_TOKENS.admin);
    const { workflowId } = await openException(admin, 'unsupported');
    for (const id of [workflowId, 'no-such:exception:ex-1']) {
      const res = await act(admin, id, body).expect(400);
      expect(res.body.error.code).toBe('invalid_argument');
      expect(res.body.error.message).toContain('Unsupported workflow action');
    }
  });

  it.each([
    ['JSON that does not parse', '{"action": "approve",'],
    ['a JSON array', '["approve"]'],
  ])('answers 400 invalid_argument for an action body that is %s', async (_name, raw) => {
    const admin = as(WF_TOKENS.admin);
    const { path } = await openException(admin, 'bad-json');
    const res = await admin.postRaw(`${path}/actions`, raw).expect(400);
    expect(res.body.error.code).toBe('invalid_argument');
  });

  it.each(ALL_ACTIONS)('answers 404 Workflow not found for %s on an unknown item', async (action) => {
    const id = exceptionWorkflowId('ghost');
    const res = await act(as(WF_TOKENS.admin), id, validBody(action, id)).expect(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', message: `Workflow not found: ${id}` });
  });

  it('answers 404 before checking the permission', async () => {
    const id = exceptionWorkflowId('ghost');
    const res = await act(as(WF_TOKENS.reviewer), id, validBody('escalate', id)).expect(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it.each([
    ['approve', WF_TOKENS.assigner, 'workflow_review'],
    ['reject', WF_TOKENS.assigner, 'workflow_review'],
    ['request_change', WF_TOKENS.assigner, 'workflow_review'],
    ['comment', WF_TOKENS.assigner, 'workflow_review'],
    ['claim', WF_TOKENS.escalator, 'workflow_review'],
    ['release', WF_TOKENS.escalator, 'workflow_review'],
    ['reassign', WF_TOKENS.reviewer, 'workflow_assign'],
    ['escalate', WF_TOKENS.reviewer, 'workflow_escalate'],
    ['override', WF_TOKENS.reviewer, 'workflow_override'],
  ])(
    'answers 403 Missing permission for %s without its permission, changing nothing',
    async (action, token, permission) => {
      const { workflowId } = await openException(as(WF_TOKENS.admin), 'perm');
      const res = await act(as(token), workflowId, validBody(action, workflowId)).expect(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', message: `Missing permission: ${permission}` });
      const detail = await detailOf(as(WF_TOKENS.admin), workflowId);
      expect(detail.workflow.status).toBe('requested');
      expect(detail.actions).toHaveLength(1);
    },
  );

  it.each([
    ['approve', WF_TOKENS.reviewer],
    ['reassign', WF_TOKENS.assigner],
    ['escalate', WF_TOKENS.escalator],
    ['override', WF_TOKENS.overrider],
  ])('lets %s through with exactly its permission', async (action, token) => {
    const { workflowId } = await openException(as(WF_TOKENS.admin), 'exact');
    await act(as(token), workflowId, validBody(action, workflowId)).expect(200);
  });

  it('refuses a reader, whatever its permissions, on the action route (403)', async () => {
    const { workflowId } = await openException(as(WF_TOKENS.admin), 'reader');
    const res = await act(as(WF_TOKENS.reader), workflowId, validBody('comment', workflowId)).expect(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('checks the permission before the item’s state (403 on a terminal item)', async () => {
    const { workflowId } = await openException(as(WF_TOKENS.admin), 'perm-first');
    await act(as(WF_TOKENS.admin), workflowId, { action: 'approve', reason: 'fine' }).expect(200);
    const res = await act(as(WF_TOKENS.reviewer), workflowId, validBody('escalate', workflowId)).expect(403);
    expect(res.body.error.message).toBe('Missing permission: workflow_escalate');
  });

  it.each(['approve', 'reject', 'override', 'request_change', 'reassign', 'escalate', 'claim', 'release'])(
    'refuses %s on a rejected item with "already rejected"',
    async (action) => {
      const admin = as(WF_TOKENS.admin);
      const { workflowId } = await openException(admin, 'terminal');
      await act(admin, workflowId, { action: 'reject', reason: 'no' }).expect(200);
      const res = await act(admin, workflowId, validBody(action, workflowId)).expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_argument', message: `already rejected` });
    },
  );

  it('names the terminal status before a missing reason', async () => {
    const admin = as(WF_TOKENS.admin);
    const { workflowId } = await openException(admin, 'order');
    await act(admin, workflowId, {
      action: 'override',
      reason: 'board',
      confirm_text: overridePhrase(workflowId),
    }).expect(200);
    const res = await act(admin, workflowId, { action: 'approve' }).expect(400);
    expect(res.body.error.message).toBe(`already overridden`);
  });

  it('refuses override on a non-exception item, before the reason and phrase checks', async () => {
    const admin = as(WF_TOKENS.admin);
    const { workflowId } = await openReview(admin, 'review');
    const res = await act(admin, workflowId, { action: 'override' }).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_argument',
      message: 'override is only allowed on exception reviews',
    });
    expect((await detailOf(admin, workflowId)).workflow.status).toBe('requested');
  });

  it.each(['approve', 'reject', 'override', 'request_change', 'escalate'])(
    'answers 400 "%s requires a reason" without a reason or with a blank one',
    async (action) => {
      const admin = as(WF_TOKENS.admin);
      const { workflowId } = await openException(admin, 'reason');
      for (const reason of [undefined, '', '   ']) {
        const res = await act(admin, workflowId, { ...validBody(action, workflowId), reason }).expect(400);
        expect(res.body.error).toMatchObject({ code: 'invalid_argument', message: `${action} requires a reason` });
      }
      expect((await detailOf(admin, workflowId)).actions).toHaveLength(1);
    },
  );

  it('answers 400 for reassign without a target', async () => {
    const admin = as(WF_TOKENS.admin);
    const { workflowId } = await openException(admin, 'nowhere');
    for (const body of [{}, { assigned_account_id: '' }, { assigned_role: ' ' }]) {
      const res = await act(admin, workflowId, { action: 'reassign', ...body }).expect(400);
      expect(res.body.error.message).toBe('reassign requires assigned_account_id or assigned_role');
    }
  });

  it.each([undefined, 'OVERRIDE', 'override x', 'OVERRIDE OTHER:EXCEPTION:EX-1'])(
    'answers 400 for override confirmed with %p',
    async (confirm) => {
      const admin = as(WF_TOKENS.admin);
      const { workflowId } = await openException(admin, 'phrase');
      const res = await act(admin, workflowId, { action: 'override', reason: 'board', confirm_text: confirm }).expect(
        400,
      );
      expect(res.body.error.message).toBe(`override requires confirm_text "${overridePhrase(workflowId)}"`);
      expect((await detailOf(admin, workflowId)).workflow.status).toBe('requested');
    },
  );

  it('checks the reason before the confirmation phrase', async () => {
    const admin = as(WF_TOKENS.admin);
    const { workflowId } = await openException(admin, 'reason-first');
    const res = await act(admin, workflowId, { action: 'override', confirm_text: 'nope' }).expect(400);
    expect(res.body.error.message).toBe('override requires a reason');
  });

  it('answers 400 for a comment without a note or reason', async () => {
    const admin = as(WF_TOKENS.admin);
    const { workflowId } = await openException(admin, 'silent');
    for (const body of [{}, { note: '' }, { note: '  ', reason: '' }]) {
      const res = await act(admin, workflowId, { action: 'comment', ...body }).expect(400);
      expect(res.body.error.message).toBe('comment requires a reason');
    }
  });

  it('lets only the claimant release (409 for another reviewer) and refuses a second claimant', async () => {
    const { workflowId } = await openException(as(WF_TOKENS.admin), 'release');
    await act(as(WF_TOKENS.reviewer), workflowId, { action: 'claim' }).expect(200);
    const other = await act(as(WF_TOKENS.reviewer2), workflowId, { action: 'release' }).expect(409);
    expect(other.body.error.code).toBe('conflict');
    const stolen = await act(as(WF_TOKENS.reviewer2), workflowId, { action: 'claim' }).expect(409);
    expect(stolen.body.error.code).toBe('conflict');
    await act(as(WF_TOKENS.reviewer), workflowId, { action: 'release' }).expect(200);
    await act(as(WF_TOKENS.reviewer2), workflowId, { action: 'claim' }).expect(200);
  });

  it.each([
    ['a string', 'see the quote'],
    ['an object', { doc: 'quote' }],
    ['a number', 3],
  ])('answers 400 when evidence is %s instead of an array', async (_name, evidence) => {
    const admin = as(WF_TOKENS.admin);
    const { workflowId } = await openException(admin, 'evidence');
    const res = await act(admin, workflowId, { action: 'approve', reason: 'ok', evidence }).expect(400);
    expect(res.body.error.code).toBe('invalid_argument');
    expect((await detailOf(admin, workflowId)).workflow.status).toBe('requested');
  });

  it('keeps evidence objects and wraps scalars as {"value": "<string>"}, in the action and the appended event', async () => {
    const admin = as(WF_TOKENS.admin);
    const { workflowId } = await openException(admin, 'wrap');
    const evidence = ['quote-17', 42, true, { url: 'https://crm.example/q/17', pages: 3 }];
    const expected = [
      { value: 'quote-17' },
      { value: '42' },
      { value: 'true' },
      { url: 'https://crm.example/q/17', pages: 3 },
    ];
    await act(admin, workflowId, { action: 'approve', reason: 'ok', evidence }).expect(200);
    const approve = (await detailOf(admin, workflowId)).actions.find(
      (a: { action_type: string }) => a.action_type === 'approve',
    );
    expect(approve.payload.evidence).toEqual(expected);
    const events = (await admin.get('/api/v1/traces/wrap').expect(200)).body.data.events;
    expect(events[events.length - 1].payload.evidence).toEqual(expected);
  });

  it.each([
    ['reason', { action: 'approve', reason: 'token=abcdef0123456789' }, '$.reason'],
    ['note', { action: 'comment', note: 'use ghp_0123456789abcdefghijABCDEFGHIJ012345 to log in' }, '$.note'],
    ['reason of a comment', { action: 'comment', reason: 'password=hunter2hunter2' }, '$.reason'],
    [
      'evidence object',
      { action: 'reject', reason: 'no', evidence: [{ doc: 'AKIAABCDEFGHIJKLMNOP' }] },
      '$.evidence[0]',
    ],
    [
      'evidence scalar',
      { action: 'request_change', reason: 'fix', evidence: ['xoxb-123456789012-abcdefghijkl'] },
      '$.evidence[0]',
    ],
  ])(
    'refuses a credential in the %s with 422 pii_policy_violation, echoing nothing and changing nothing',
    async (_name, body, path) => {
      const admin = as(WF_TOKENS.admin);
      const { workflowId } = await openException(admin, 'secret');
      const res = await act(admin, workflowId, body).expect(422);
      expect(res.body.error.code).toBe('pii_policy_violation');
      expect(res.body.error.details.path.startsWith(path)).toBe(true);
      const raw = JSON.stringify(res.body);
      for (const secret of ['abcdef0123456789', 'ghp_0123456789', 'hunter2', 'AKIAABCDEFGHIJKLMNOP', 'xoxb-1234'])
        expect(raw).not.toContain(secret);
      const detail = await detailOf(admin, workflowId);
      expect(detail.workflow.status).toBe('requested');
      expect(detail.actions).toHaveLength(1);
      const events = (await admin.get('/api/v1/traces/secret').expect(200)).body.data.events;
      expect(events).toHaveLength(2);
    },
  );

  it('lets ordinary ids through the secret guard', async () => {
    const admin = as(WF_TOKENS.admin);
    const { workflowId } = await openException(admin, 'ordinary');
    await act(admin, workflowId, {
      action: 'approve',
      reason: 'task-7f3a9b2c4d5e6f7a8b9c0d1e2f3a4b5c, risk-score ok, desk-12 in Asia',
      evidence: ['task-7'],
    }).expect(200);
  });
});
