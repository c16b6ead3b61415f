import { PrismaService } from '../../src/database/prisma.service';
import { anEvent } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

type Api = ReturnType<typeof apiAs>;

async function appendTrace(api: Api, traceId: string, types: string[], outcome?: string) {
  for (const [seq, type] of types.entries()) {
    const overrides = type === 'TraceFinished' && outcome ? { payload: { outcome } } : {};
    await api.post('/api/v1/events', anEvent(type, { trace_id: traceId, trace_seq: seq, ...overrides })).expect(201);
  }
}

describe('workflow studio (SPEC §6.5)', () => {
  let api: Api;
  let tenant: string;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeEach(() => {
    tenant = uniqueTenant();
    api = apiAs(app, tenant);
  });

  it('lists the three templates in order with SLA and reviewer role', async () => {
    const res = await api.get('/api/v1/workflow-studio/templates').expect(200);
    expect(
      res.body.data.templates.map((t: Record<string, unknown>) => [
        t.template_id,
        t.title,
        t.default_priority,
        t.default_sla_hours,
        t.reviewer_role,
      ]),
    ).toEqual([
      ['incident_triage', 'Incident Triage Review', 'high', 2, 'admin'],
      ['exception_follow_up', 'Exception Follow-Up', 'urgent', 1, 'admin'],
      ['precedent_gap_review', 'Precedent Gap Review', 'normal', 6, 'writer'],
    ]);
  });

  it('dry-runs an open trace with a policy evaluation: still active, gap review by default', async () => {
    await appendTrace(api, 'open', ['TraceStarted', 'PolicyEvaluated']);
    const { data } = (await api.get('/api/v1/workflow-studio/traces/open').expect(200)).body;
    expect(data.template.template_id).toBe('precedent_gap_review');
    expect(data.simulation).toMatchObject({
      priority: 'high',
      trace_outcome: null,
      policy_id: 'discount-cap',
      policy_version: 'v3',
    });
    expect(data.simulation.risk_signals).toEqual(['trace still active', 'no close precedents']);
    expect(data.draft).toMatchObject({
      workflow_id: 'open:trace_review:precedent_gap_review',
      assigned_role: 'writer',
      sla_hours: 6,
      subject: { subject_type: 'trace_review', subject_id: 'precedent_gap_review' },
    });
    expect(data.templates).toHaveLength(3);
  });

  it('dry-runs a failed trace: unfavorable outcome, incident_triage by default, urgent', async () => {
    await appendTrace(api, 'failed', ['TraceStarted', 'PolicyEvaluated', 'TraceFinished'], 'failure');
    const { data } = (await api.get('/api/v1/workflow-studio/traces/failed').expect(200)).body;
    expect(data.template.template_id).toBe('incident_triage');
    expect(data.simulation.risk_signals).toContain('unfavorable outcome');
    expect(data.simulation.priority).toBe('urgent');
  });

  it('dry-runs a trace with an exception: exception_follow_up by default, existing workflow listed', async () => {
    await appendTrace(api, 'exc', ['TraceStarted', 'PolicyEvaluated', 'ExceptionRequested']);
    const { data } = (await api.get('/api/v1/workflow-studio/traces/exc?template_id=no_such_template').expect(200))
      .body;
    expect(data.template.template_id).toBe('exception_follow_up');
    expect(data.simulation.risk_signals).toContain('exception requested');
    expect(data.existing_workflows.map((w: { workflow_id: string }) => w.workflow_id)).toEqual(['exc:exception:ex-1']);
  });

  it('shows up to 4 precedents of the same policy and notes divergence', async () => {
    for (let i = 0; i < 5; i++)
      await appendTrace(
        api,
        `old-${i}`,
        ['TraceStarted', 'PolicyEvaluated', 'TraceFinished'],
        i === 0 ? 'failure' : 'success',
      );
    await appendTrace(api, 'now', ['TraceStarted', 'PolicyEvaluated', 'TraceFinished'], 'success');
    const { data } = (await api.get('/api/v1/workflow-studio/traces/now').expect(200)).body;
    expect(data.precedent_preview).toHaveLength(4);
    expect(data.precedent_preview.every((p: { trace_id: string }) => p.trace_id !== 'now')).toBe(true);
  });

  it('answers 404 for an unknown trace and writes nothing on a dry run', async () => {
    await api.get('/api/v1/workflow-studio/traces/nope').expect(404);
    await appendTrace(api, 'quiet', ['TraceStarted', 'PolicyEvaluated', 'TraceFinished'], 'failure');
    const prisma = app.get(PrismaService);
    const before = await Promise.all([
      prisma.eventLog.count({ where: { tenant_id: tenant } }),
      prisma.workflowItem.count({ where: { tenant_id: tenant } }),
      prisma.workflowNotification.count({ where: { tenant_id: tenant } }),
    ]);
    await api.get('/api/v1/workflow-studio/traces/quiet').expect(200);
    const after = await Promise.all([
      prisma.eventLog.count({ where: { tenant_id: tenant } }),
      prisma.workflowItem.count({ where: { tenant_id: tenant } }),
      prisma.workflowNotification.count({ where: { tenant_id: tenant } }),
    ]);
    expect(after).toEqual(before);
  });

  it('starts a review on a finished trace once: 400 without reason, 403 for a reader, then created true, then false', async () => {
    await appendTrace(api, 'rev', ['TraceStarted', 'PolicyEvaluated', 'TraceFinished'], 'failure');
    const path = '/api/v1/workflow-studio/traces/rev/reviews';
    await api.post(path, {}).expect(400);
    await api.post(path, { reason: '   ' }).expect(400);
    await apiAs(app, tenant, DEV_TOKENS.reader).post(path, { reason: 'look' }).expect(403);
    const created = (await api.post(path, { reason: 'Customer churned' }).expect(201)).body.data;
    expect(created.created).toBe(true);
    expect(created.workflow).toMatchObject({
      workflow_id: 'rev:trace_review:incident_triage',
      workflow_kind: 'incident_review',
      status: 'requested',
      assigned_role: 'admin',
    });
    expect(created.action).toMatchObject({ action_type: 'incident_review_requested' });
    expect(created.review_context).toMatchObject({ template_id: 'incident_triage', reason: 'Customer churned' });
    const notes = (await api.get('/api/v1/workflows/rev%3Atrace_review%3Aincident_triage/notifications').expect(200))
      .body.data.notifications;
    expect(notes.map((n: { category: string }) => n.category)).toEqual(['assignment']);
    const events = (await api.get('/api/v1/traces/rev').expect(200)).body.data.events;
    expect(events.at(-1)).toMatchObject({
      event_type: 'WorkflowReviewRequested',
      source: { producer_id: 'workflow-studio' },
    });
    const again = (await api.post(path, { reason: 'again' }).expect(201)).body.data;
    expect(again).toEqual({ created: false });
    expect((await api.get('/api/v1/traces/rev').expect(200)).body.data.events).toHaveLength(events.length);
    const detail = (await api.get('/api/v1/workflows/rev%3Atrace_review%3Aincident_triage').expect(200)).body.data;
    expect(detail.review_context).toMatchObject({ template_id: 'incident_triage' });
  });

  it('takes assignee, priority and SLA overrides and refuses override on a review item', async () => {
    await appendTrace(api, 'ovr', ['TraceStarted', 'PolicyEvaluated']);
    const created = (
      await api
        .post('/api/v1/workflow-studio/traces/ovr/reviews', {
          reason: 'check',
          template_id: 'incident_triage',
          assignee: { account_id: 'bob' },
          priority: 'low',
          sla_hours: 10,
        })
        .expect(201)
    ).body.data;
    expect(created.workflow).toMatchObject({ priority: 'low', assigned_account_id: 'bob', assigned_role: null });
    const due = Date.parse(created.workflow.sla_due_at) - Date.parse(created.workflow.requested_at);
    expect(due).toBe(10 * 3_600_000);
    const res = await apiAs(app, tenant, DEV_TOKENS.admin)
      .post('/api/v1/workflows/ovr%3Atrace_review%3Aincident_triage/actions', {
        action: 'override',
        reason: 'x',
        confirm_text: 'OVERRIDE OVR:TRACE_REVIEW:INCIDENT_TRIAGE',
      })
      .expect(400);
    expect(res.body.error.message).toBe('override is only allowed on exception reviews');
    await api.post('/api/v1/workflow-studio/traces/ovr/reviews', { reason: 'check', priority: 'whenever' }).expect(400);
  });
});
