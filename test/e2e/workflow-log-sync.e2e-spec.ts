import { anEvent } from '../factories/events';
import {
  act,
  anException,
  anExternalApproval,
  Api,
  detailOf,
  exceptionWorkflowId,
  openException,
  overridePhrase,
  traceEvents,
  workflowPath,
} from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

type Notice = { category: string; dedupe_key: string; message: string; payload: Record<string, unknown> };

/** SPEC §6.1 / §6.3: the event log is the source of truth; decisions from outside and from the API meet there. */
describe('workflow items follow the log (SPEC §6.1, §6.3)', () => {
  let api: Api;
  let tenant: string;
  const app = useTestApp({
    // This file is about how items follow the log, with one account that asks and decides: a
    // single-account installation, where separation of duties (SPEC §11.3) is turned off. The rule
    // itself is tested in human-control.e2e-spec.ts and oidc.e2e-spec.ts.
    env: { ...GENEROUS_LIMITS, DG_SEPARATION_OF_DUTIES: 'false' },
  });
  beforeEach(() => {
    tenant = uniqueTenant('wfl');
    api = apiAs(app, tenant, DEV_TOKENS.writer);
  });

  const failures = async (workflowId: string): Promise<Notice[]> =>
    (await api.get(workflowPath(workflowId, '/notifications?category=failure')).expect(200)).body.data.notifications;

  it('applies an externally ingested ApprovalRecorded: status, decision, approval notification, no failure', async () => {
    const { workflowId, nextSeq } = await openException(api, 'ext');
    const approval = anExternalApproval('ext', nextSeq, 'approved', { reason: 'Approved in the ERP' });
    await api.post('/api/v1/events', approval).expect(201);
    const detail = await detailOf(api, workflowId);
    expect(detail.workflow).toMatchObject({
      status: 'approved',
      current_decision: 'approved',
      current_reason: 'Approved in the ERP',
      approval_event_id: approval.event_id,
      resolved_at: new Date(approval.occurred_at as string).toISOString(),
    });
    expect(detail.actions.map((a: { action_id: string; action_type: string }) => [a.action_id, a.action_type])).toEqual(
      [
        [expect.stringMatching(/^wfa:event:/), 'requested'],
        [`wfa:event:${approval.event_id}`, 'approval_recorded'],
      ],
    );
    expect(detail.notifications.find((n: Notice) => n.category === 'approval')).toMatchObject({
      dedupe_key: `approval:${workflowId}:${approval.event_id}`,
      message: `Workflow ${workflowId} recorded approved`,
    });
    expect(await failures(workflowId)).toEqual([]);
  });

  it.each([
    ['Urgent: approved by phone', 'urgent'],
    ['Approved in the ERP', 'high'],
  ])(
    'creates an exception_review item from an ApprovalRecorded with no item (reason %p → priority %s)',
    async (reason, priority) => {
      await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'orphan' })).expect(201);
      await api.post('/api/v1/events', anExternalApproval('orphan', 1, 'approved', { reason })).expect(201);
      const { workflow } = await detailOf(api, exceptionWorkflowId('orphan'));
      expect(workflow).toMatchObject({
        workflow_kind: 'exception_review',
        status: 'approved',
        priority,
        subject: { subject_type: 'exception', subject_id: 'ex-1' },
      });
    },
  );

  it('applies a batch holding the request and its decision in order, in the same transaction', async () => {
    const approval = anExternalApproval('batched', 2, 'approved');
    const events = [anEvent('TraceStarted', { trace_id: 'batched' }), anException('batched', 1), approval];
    await api.post('/api/v1/events/batch', { events }).expect(201);
    const detail = await detailOf(api, exceptionWorkflowId('batched'));
    expect(detail.workflow).toMatchObject({ status: 'approved', approval_event_id: approval.event_id });
    expect(detail.actions.map((a: { action_type: string }) => a.action_type)).toEqual([
      'requested',
      'approval_recorded',
    ]);
    expect(detail.notifications.map((n: Notice) => n.category).sort()).toEqual(['approval', 'assignment']);
  });

  it('creates no item and no notification when the batch that requested it is refused', async () => {
    const bad = anEvent('PolicyEvaluated', {
      trace_id: 'refused',
      trace_seq: 2,
      payload: { policy: { policy_id: 'p' } },
    });
    const events = [anEvent('TraceStarted', { trace_id: 'refused' }), anException('refused', 1), bad];
    const res = await api.post('/api/v1/events/batch', { events });
    expect(res.status).toBe(422);
    await api.get(workflowPath(exceptionWorkflowId('refused'))).expect(404);
    expect((await api.get('/api/v1/notifications').expect(200)).body.data.notifications).toEqual([]);
    expect((await api.get('/api/v1/workflows?only_open=false').expect(200)).body.data.summary.total_count).toBe(0);
  });

  it('records a conflicting external decision as a failure notification, and the later decision wins', async () => {
    const { workflowId, nextSeq } = await openException(api, 'conflict');
    const approve = await act(api, workflowId, { action: 'approve', reason: 'Within cap' }).expect(200);
    const apiEventId = approve.body.data.action.appended_event_id;

    const rejection = anExternalApproval('conflict', nextSeq + 1, 'rejected', { reason: 'Finance said no' });
    await api.post('/api/v1/events', rejection).expect(201);
    const detail = await detailOf(api, workflowId);
    expect(detail.workflow).toMatchObject({
      status: 'rejected',
      current_decision: 'rejected',
      current_reason: 'Finance said no',
      approval_event_id: rejection.event_id,
    });

    const [failure] = await failures(workflowId);
    expect(failure).toMatchObject({
      dedupe_key: `failure:${workflowId}:approval:${rejection.event_id}`,
      message: `Workflow ${workflowId} failed to record approval`,
    });
    const approvals = detail.notifications
      .filter((n: Notice) => n.category === 'approval')
      .map((n: Notice) => n.dedupe_key);
    expect(approvals.sort()).toEqual(
      [`approval:${workflowId}:${apiEventId}`, `approval:${workflowId}:${rejection.event_id}`].sort(),
    );
    expect(detail.actions.map((a: { action_type: string }) => a.action_type)).toEqual([
      'requested',
      'approval_recorded',
      'approve',
      'approval_recorded',
    ]);

    // Turned back again: the latest event in the log decides once more, with a second failure notice.
    const reapproval = anExternalApproval('conflict', nextSeq + 2, 'approved');
    await api.post('/api/v1/events', reapproval).expect(201);
    expect((await detailOf(api, workflowId)).workflow).toMatchObject({
      status: 'approved',
      approval_event_id: reapproval.event_id,
    });
    expect((await failures(workflowId)).map((n) => n.dedupe_key).sort()).toEqual(
      [
        `failure:${workflowId}:approval:${rejection.event_id}`,
        `failure:${workflowId}:approval:${reapproval.event_id}`,
      ].sort(),
    );
  });

  it('raises no failure when a later ApprovalRecorded repeats the same decision', async () => {
    const { workflowId, nextSeq } = await openException(api, 'same');
    await act(api, workflowId, { action: 'reject', reason: 'no' }).expect(200);
    await api.post('/api/v1/events', anExternalApproval('same', nextSeq + 1, 'rejected')).expect(201);
    expect((await detailOf(api, workflowId)).workflow.status).toBe('rejected');
    expect(await failures(workflowId)).toEqual([]);
  });

  it('refuses API decisions after an external decision closed the item', async () => {
    const { workflowId, nextSeq } = await openException(api, 'closed-ext');
    await api.post('/api/v1/events', anExternalApproval('closed-ext', nextSeq, 'rejected')).expect(201);
    const res = await act(api, workflowId, { action: 'approve', reason: 'too late' }).expect(400);
    expect(res.body.error.message).toBe(`already rejected`);
  });

  it('moves an item to overridden when an external ApprovalRecorded names it as override subject', async () => {
    const { workflowId, nextSeq } = await openException(api, 'ext-ovr');
    const override = anExternalApproval('ext-ovr', nextSeq, 'approved', {
      subject: { subject_type: 'override', subject_id: workflowId },
    });
    // An override from the log needs workflow_override (SPEC §11.2): the admin records it.
    await api.as(DEV_TOKENS.admin).post('/api/v1/events', override).expect(201);
    const detail = await detailOf(api, workflowId);
    expect(detail.workflow).toMatchObject({
      status: 'overridden',
      current_decision: 'override_approved',
      subject: { subject_type: 'exception', subject_id: 'ex-1' },
    });
  });

  it('refuses (409) an event whose workflow id spells another trace’s item, and leaves that item alone', async () => {
    // `{trace}:exception:{exception}` is ambiguous: trace `a:exception:b` with exception `c`, and
    // trace `a` with exception `b:exception:c`, make the same id.
    const theirs = await openException(api, 'a:exception:b', { exception_id: 'c' });
    expect(theirs.workflowId).toBe('a:exception:b:exception:c');
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'a' })).expect(201);
    const request = await api
      .post('/api/v1/events', anException('a', 1, { exception_id: 'b:exception:c' }))
      .expect(409);
    expect(request.body.error).toMatchObject({
      code: 'conflict',
      message: 'Workflow a:exception:b:exception:c belongs to trace a:exception:b, not a',
      details: { workflow_id: 'a:exception:b:exception:c', trace_id: 'a:exception:b' },
    });
    const decision = anExternalApproval('a', 1, 'approved', {
      subject: { subject_type: 'exception', subject_id: 'b:exception:c' },
    });
    await api.post('/api/v1/events', decision).expect(409);
    expect((await traceEvents(api, 'a')).map((e) => e.event_type)).toEqual(['TraceStarted']);
    const detail = await detailOf(api, theirs.workflowId);
    expect(detail.workflow).toMatchObject({ trace_id: 'a:exception:b', status: 'requested' });
    expect(detail.actions).toHaveLength(1);
  });

  it('appends the decisions on several items of one trace at consecutive trace_seq values', async () => {
    await openException(api, 'many');
    for (const [i, id] of ['ex-2', 'ex-3'].entries())
      await api.post('/api/v1/events', anException('many', 2 + i, { exception_id: id })).expect(201);
    for (const id of ['ex-1', 'ex-2', 'ex-3'])
      await act(api, `many:exception:${id}`, { action: 'approve', reason: 'ok' }).expect(200);
    const events = await traceEvents(api, 'many');
    expect(events.map((e) => (e as unknown as { trace_seq: number }).trace_seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events.filter((e) => e.event_type === 'ApprovalRecorded')).toHaveLength(3);
  });

  it.each([
    ['approve', 'a float', '{"score":0.5}'],
    ['approve', 'an integer beyond 2^53-1', '{"count":9007199254740993}'],
    ['reject', 'a float', '{"score":0.5}'],
    ['override', 'an integer beyond 2^53-1', '{"count":9007199254740993}'],
  ])(
    'refuses %s whose evidence holds %s the log would refuse: nothing changes, a failure notification says so',
    async (action, _name, evidenceObject) => {
      // SPEC §5.1: no floats at any depth, no integers beyond ±(2^53−1) in a payload; §6.3: the
      // decision goes through the normal append path, and when that append fails the item is
      // unchanged and a `failure` notification records it.
      const { workflowId } = await openException(api, 'numbers');
      const confirm = action === 'override' ? `,"confirm_text":"${overridePhrase(workflowId)}"` : '';
      const raw = `{"action":"${action}","reason":"ok"${confirm},"evidence":[${evidenceObject}]}`;
      const res = await apiAs(app, tenant, DEV_TOKENS.admin).postRaw(workflowPath(workflowId, '/actions'), raw);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('schema_violation');
      const detail = await detailOf(api, workflowId);
      expect(detail.workflow.status).toBe('requested');
      expect(detail.actions).toHaveLength(1);
      expect((await traceEvents(api, 'numbers')).map((e) => e.event_type)).toEqual([
        'TraceStarted',
        'ExceptionRequested',
      ]);
      const recorded = await failures(workflowId);
      expect(recorded).toHaveLength(1);
      expect(recorded[0]).toMatchObject({
        message: `Workflow ${workflowId} failed to record ${action}`,
        payload: { error_code: 'schema_violation' },
      });
      expect(recorded[0].dedupe_key).toMatch(new RegExp(`^failure:${workflowId}:${action}:evt_`));
    },
  );
});
