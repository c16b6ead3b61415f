import { anEvent } from '../factories/events';
import {
  act,
  anException,
  Api,
  aReviewRequest,
  detailOf,
  exceptionWorkflowId,
  openException,
  openReview,
  workflowPath,
} from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

const HOUR = 3_600_000;
const SHA256 = /^sha256:[0-9a-f]{64}$/;

/** SPEC §6.1, §6.2, §8: how events become workflow items, their first action and notification. */
describe('workflow intake: events become items (SPEC §6.1, §6.2)', () => {
  let tenant: string;
  let api: Api;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeEach(() => {
    tenant = uniqueTenant('wfi');
    api = apiAs(app, tenant, DEV_TOKENS.writer);
  });

  it('creates the item, its requested action and its assignment notification before the POST returns', async () => {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'renewal-1' })).expect(201);
    const exception = anException('renewal-1', 1);
    await api.post('/api/v1/events', exception).expect(201);
    const wf = exceptionWorkflowId('renewal-1');

    // The first read after the append is the tenant feed of notifications: nothing else pulled it in.
    const feed = (await api.get('/api/v1/notifications').expect(200)).body.data;
    expect(feed.notifications).toHaveLength(1);
    expect(feed.notifications[0]).toMatchObject({
      workflow_id: wf,
      category: 'assignment',
      channel: 'operator_console',
      dedupe_key: `assignment:${wf}:admin`,
      recipient_role: 'admin',
      recipient_account_id: null,
      message: `Workflow ${wf} assigned to admin`,
    });

    const detail = await detailOf(api, wf);
    const requestedAt = new Date(exception.occurred_at as string);
    expect(detail.workflow).toMatchObject({
      workflow_id: wf,
      trace_id: 'renewal-1',
      workflow_kind: 'exception_review',
      workflow_name: 'renewal',
      title: 'Renew ACME contract',
      subject: { subject_type: 'exception', subject_id: 'ex-1' },
      status: 'requested',
      priority: 'high',
      policy_id: 'discount-cap',
      policy_version: 'v3',
      requested_by_actor: { actor_id: 'agent-7', actor_type: 'agent' },
      assigned_role: 'admin',
      assigned_account_id: null,
      claimed_by_account_id: null,
      requested_at: requestedAt.toISOString(),
      sla_due_at: new Date(requestedAt.getTime() + 4 * HOUR).toISOString(),
      resolved_at: null,
      current_decision: null,
      created_from_event_id: exception.event_id,
      escalation_count: 0,
      overdue: false,
    });
    expect(detail.actions).toEqual([
      expect.objectContaining({
        action_id: `wfa:event:${exception.event_id}`,
        action_type: 'requested',
        actor: { actor_id: 'agent-7', actor_type: 'agent', account_id: null },
        source_event_id: exception.event_id,
        resulting_status: 'requested',
        prev_action_hash: null,
        action_hash: expect.stringMatching(SHA256),
      }),
    ]);
    expect(detail.notifications.map((n: { category: string }) => n.category)).toEqual(['assignment']);
    expect(detail.notification_count).toBe(1);
    expect(detail.trace_reference).toEqual({
      tenant_id: detail.workflow.tenant_id,
      trace_id: 'renewal-1',
      subject_type: 'exception',
      subject_id: 'ex-1',
      workflow_name: 'renewal',
    });
    expect(detail.review_context).toBeNull();
  });

  it('lists the trace’s items in the trace read', async () => {
    const { workflowId } = await openException(api, 'with-items');
    await api.post('/api/v1/events', anException('with-items', 2, { exception_id: 'ex-2' })).expect(201);
    const trace = (await api.get('/api/v1/traces/with-items').expect(200)).body.data;
    const ids = trace.workflows.map((w: { workflow_id: string }) => w.workflow_id).sort();
    expect(ids).toEqual([workflowId, exceptionWorkflowId('with-items', 'ex-2')].sort());
    expect(trace.workflows[0]).toMatchObject({
      trace_id: 'with-items',
      status: 'requested',
      workflow_kind: 'exception_review',
    });
  });

  it('shows an empty workflows list in the read of a trace without exceptions', async () => {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'plain' })).expect(201);
    expect((await api.get('/api/v1/traces/plain').expect(200)).body.data.workflows).toEqual([]);
  });

  it.each([
    ['the payload’s priority, lower-cased', { priority: 'URGENT' }, 'urgent'],
    ['the payload’s priority in mixed case', { priority: 'LoW' }, 'low'],
    ['normal from the payload', { priority: 'normal' }, 'normal'],
    ['urgent when the reason says "urgent" in any case', { reason: 'Customer escalation, UrGeNt renewal' }, 'urgent'],
    ['high by default', { reason: 'Discount above cap' }, 'high'],
    ['the payload’s priority over an urgent reason', { priority: 'low', reason: 'urgent, they say' }, 'low'],
  ])('takes %s', async (_name, payload, expected) => {
    const { workflowId } = await openException(api, 'prio', payload);
    expect((await detailOf(api, workflowId)).workflow.priority).toBe(expected);
  });

  it('keeps the item’s priority when a re-request names none, and resets an open item to requested', async () => {
    const { workflowId, nextSeq } = await openException(api, 'again', { priority: 'urgent' });
    await act(api, workflowId, { action: 'claim' }).expect(200);
    expect((await detailOf(api, workflowId)).workflow.status).toBe('in_review');
    const again = anException('again', nextSeq, { reason: 'Still above cap', evidence: [{ doc: 'quote-2' }] });
    await api.post('/api/v1/events', again).expect(201);
    const detail = await detailOf(api, workflowId);
    expect(detail.workflow).toMatchObject({ status: 'requested', priority: 'urgent' });
    expect(detail.actions.map((a: { action_type: string }) => a.action_type)).toEqual([
      'requested',
      'claim',
      'requested',
    ]);
    // One item, one assignment notification: the re-request is not a new assignment.
    expect(detail.notifications.filter((n: { category: string }) => n.category === 'assignment')).toHaveLength(1);
  });

  it('keeps requested_at, sla_due_at and the escalation count when an escalated exception is requested again', async () => {
    const { workflowId } = await openException(api, 'kept');
    const admin = apiAs(app, tenant, DEV_TOKENS.admin);
    await act(admin, workflowId, { action: 'escalate', reason: 'No owner' }).expect(200);
    const before = (await detailOf(api, workflowId)).workflow;
    const later = new Date(Date.now() - 5_000).toISOString();
    await api
      .post(
        '/api/v1/events',
        anException('kept', 2, { reason: 'Asked again', evidence: [{ doc: 'v2' }] }, { occurred_at: later }),
      )
      .expect(201);
    const after = (await detailOf(api, workflowId)).workflow;
    expect(after).toMatchObject({
      status: 'requested',
      requested_at: before.requested_at,
      sla_due_at: before.sla_due_at,
      escalation_count: 1,
    });
    expect(after.metadata).toMatchObject({ exception_id: 'ex-1', reason: 'Asked again', evidence: [{ doc: 'v2' }] });
  });

  it('merges a re-request’s metadata: evidence left out keeps the evidence given before', async () => {
    const { workflowId, nextSeq } = await openException(api, 'evidence', { evidence: [{ doc: 'v1' }] });
    await api.post('/api/v1/events', anException('evidence', nextSeq, { reason: 'Asked again' })).expect(201);
    expect((await detailOf(api, workflowId)).workflow.metadata).toMatchObject({
      reason: 'Asked again',
      evidence: [{ doc: 'v1' }],
    });
    const { workflowId: bare } = await openException(api, 'no-evidence');
    expect((await detailOf(api, bare)).workflow.metadata.evidence).toEqual([]);
  });

  it('keeps a terminal item’s status when the exception is requested again', async () => {
    const { workflowId, nextSeq } = await openException(api, 'closed');
    await act(api, workflowId, { action: 'reject', reason: 'Too deep a discount' }).expect(200);
    await api.post('/api/v1/events', anException('closed', nextSeq + 1, { priority: 'low' })).expect(201);
    const detail = await detailOf(api, workflowId);
    expect(detail.workflow).toMatchObject({ status: 'rejected', current_decision: 'rejected' });
  });

  it('applies an event once: an idempotent replay of the ExceptionRequested adds no action', async () => {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'replayed' })).expect(201);
    const exception = anException('replayed', 1);
    await api.post('/api/v1/events', exception).expect(201);
    const replay = await api.post('/api/v1/events', exception).expect(201);
    expect(replay.body.data.replayed).toBe(true);
    const detail = await detailOf(api, exceptionWorkflowId('replayed'));
    expect(detail.actions).toHaveLength(1);
    expect(detail.notification_count).toBe(1);
  });

  it('creates one item per exception of a trace, also from one batch', async () => {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'multi' })).expect(201);
    const events = ['ex-a', 'ex-b', 'ex-c'].map((id, i) => anException('multi', i + 1, { exception_id: id }));
    await api.post('/api/v1/events/batch', { events }).expect(201);
    const inbox = (await api.get('/api/v1/workflows?trace_id=multi').expect(200)).body.data;
    expect(inbox.items.map((w: { workflow_id: string }) => w.workflow_id).sort()).toEqual([
      'multi:exception:ex-a',
      'multi:exception:ex-b',
      'multi:exception:ex-c',
    ]);
    const feed = (await api.get('/api/v1/notifications?category=assignment').expect(200)).body.data;
    expect(feed.notifications).toHaveLength(3);
  });

  it('creates a review item from WorkflowReviewRequested with the payload’s kind, title, assignee and SLA', async () => {
    const { workflowId } = await openReview(api, 'incident-1', {
      assignee: { account_id: 'alice', role: 'writer' },
      sla_hours: 6,
      priority: 'Normal',
    });
    expect(workflowId).toBe('incident-1:trace_review:incident_triage');
    const detail = await detailOf(api, workflowId);
    const requestedAt = new Date(detail.workflow.requested_at).getTime();
    expect(detail.workflow).toMatchObject({
      workflow_kind: 'incident_review',
      title: 'Review the incident',
      workflow_name: 'renewal',
      subject: { subject_type: 'trace_review', subject_id: 'incident_triage' },
      priority: 'normal',
      assigned_account_id: 'alice',
      assigned_role: 'writer',
      status: 'requested',
    });
    expect(new Date(detail.workflow.sla_due_at).getTime() - requestedAt).toBe(6 * HOUR);
    expect(detail.actions.map((a: { action_type: string }) => a.action_type)).toEqual(['incident_review_requested']);
    expect(detail.notifications[0]).toMatchObject({
      category: 'assignment',
      dedupe_key: `assignment:${workflowId}:alice`,
      message: `Workflow ${workflowId} assigned to alice`,
      recipient_account_id: 'alice',
      recipient_role: 'writer',
    });
    expect(detail.review_context).toMatchObject({
      template_id: 'incident_triage',
      reason: 'Outcome was a failure',
      simulation: {},
    });
  });

  it('labels an assignment with neither account nor role "unassigned"', async () => {
    const { workflowId } = await openReview(api, 'nobody', { assignee: {} });
    const [notice] = (await api.get(workflowPath(workflowId, '/notifications')).expect(200)).body.data.notifications;
    expect(notice).toMatchObject({
      dedupe_key: `assignment:${workflowId}:unassigned`,
      message: `Workflow ${workflowId} assigned to unassigned`,
    });
  });

  it('keeps review and exception items of one trace apart', async () => {
    const { workflowId } = await openException(api, 'both');
    await api.post('/api/v1/events', aReviewRequest('both', 2)).expect(201);
    const kinds = (await api.get('/api/v1/workflows?trace_id=both').expect(200)).body.data.items.map(
      (w: { workflow_kind: string }) => w.workflow_kind,
    );
    expect(kinds.sort()).toEqual(['exception_review', 'incident_review']);
    expect((await detailOf(api, workflowId)).workflow.workflow_kind).toBe('exception_review');
  });
});
