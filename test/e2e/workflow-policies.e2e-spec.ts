import type { NestExpressApplication } from '@nestjs/platform-express';
import { Clock } from '../../src/common/clock';
import { SlaSweepService } from '../../src/sla/sla-sweep.service';
import { anEvent } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { createOwnDatabase, onPostgres } from '../setup/own-database';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

/** A clock the test moves; the sweep and every action read it. */
class TestClock extends Clock {
  at = new Date('2026-11-27T15:00:00Z');
  override now(): Date {
    return new Date(this.at);
  }
}

// Friday 27 November 2026, 16:00 in Berlin (UTC+1).
const FRIDAY_16_BERLIN = '2026-11-27T15:00:00.000Z';
const BERLIN = {
  time_zone: 'Europe/Berlin',
  working_days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  working_hours: [{ start: '09:00', end: '17:00' }],
  holidays: ['2026-12-25'],
};

type Api = ReturnType<typeof apiAs>;

describe('Workflow policies (SPEC §14)', () => {
  let app: NestExpressApplication;
  let own: Awaited<ReturnType<typeof createOwnDatabase>> | undefined;
  const clock = new TestClock();
  let api: Api;
  let tenant: string;

  beforeAll(async () => {
    // The sweep runs with a clock days away from now: on PostgreSQL it gets a database of its own.
    own = onPostgres ? await createOwnDatabase() : undefined;
    app = await createTestApp({
      clock,
      env: { ...GENEROUS_LIMITS, DG_SLA_SWEEP_INTERVAL_SECONDS: '3600', ...(own ? { DATABASE_URL: own.url } : {}) },
    });
  });
  beforeEach(() => {
    tenant = uniqueTenant();
    api = apiAs(app, tenant, DEV_TOKENS.admin);
    clock.at = new Date(FRIDAY_16_BERLIN);
  });
  afterAll(async () => {
    await closeApp(app);
    await own?.drop();
  });

  const sweepAt = async (iso: string | number) => {
    clock.at = new Date(iso);
    return app.get(SlaSweepService).sweep(clock.now());
  };
  /** A sweep at `iso` leaves the item as it was (the sweep is not to read it: its next check is later). */
  const expectUntouched = async (wf: string, iso: string) => {
    const before = (await detail(wf)).workflow.version;
    await sweepAt(iso);
    expect((await detail(wf)).workflow.version).toBe(before);
  };
  const createPolicy = async (body: Record<string, unknown>) =>
    (await api.post('/api/v1/admin/policies', body).expect(201)).body.data;
  /** An exception requested at `occurred_at` in a trace of its own; returns its encoded workflow id. */
  const requestException = async (traceId: string, occurred_at = FRIDAY_16_BERLIN, payload = {}) => {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: traceId, occurred_at })).expect(201);
    await api
      .post(
        '/api/v1/events',
        anEvent('ExceptionRequested', {
          trace_id: traceId,
          trace_seq: 1,
          occurred_at,
          payload: { ...(anEvent('ExceptionRequested').payload as object), ...payload },
        }),
      )
      .expect(201);
    return encodeURIComponent(`${traceId}:exception:ex-1`);
  };
  const detail = async (wf: string) => (await api.get(`/api/v1/workflows/${wf}`).expect(200)).body.data;
  const notices = async (wf: string, category: string) =>
    (await api.get(`/api/v1/workflows/${wf}/notifications?category=${category}&limit=50`).expect(200)).body.data
      .notifications as { dedupe_key?: string; message: string; payload: Record<string, unknown> }[];

  describe('admin API', () => {
    it('creates, reads, lists, versions and retires a policy', async () => {
      const created = await createPolicy({
        policy_id: 'berlin-desk',
        name: 'Berlin desk',
        match: { workflow_kind: 'exception_review' },
        sla_minutes: 240,
        calendar: BERLIN,
      });
      expect(created).toMatchObject({
        policy_id: 'berlin-desk',
        version: 1,
        status: 'active',
        name: 'Berlin desk',
        description: null,
        match: { workflow_kind: 'exception_review', template_id: null, priority: null },
        sla_minutes: 240,
        calendar: BERLIN,
        warning_thresholds: [],
        escalation_levels: [],
        pause_on_changes_requested: false,
        on_final_breach: { action: 'none', reason: null, delay_minutes: 0 },
        required_approvals: 1,
        separation_of_duties: null,
        created_by: 'dev-admin',
        retired_at: null,
      });
      await api.post('/api/v1/admin/policies', { policy_id: 'berlin-desk', name: 'x', sla_minutes: 1 }).expect(409);
      const updated = (
        await api
          .put('/api/v1/admin/policies/berlin-desk', {
            name: 'Berlin desk',
            sla_minutes: 120,
            warning_thresholds: [90, 50],
          })
          .expect(200)
      ).body.data;
      expect(updated).toMatchObject({ version: 2, sla_minutes: 120, warning_thresholds: [50, 90], calendar: null });
      expect((await api.get('/api/v1/admin/policies/berlin-desk').expect(200)).body.data.version).toBe(2);
      expect((await api.get('/api/v1/admin/policies/berlin-desk?version=1').expect(200)).body.data.sla_minutes).toBe(
        240,
      );
      const list = (await api.get('/api/v1/admin/policies').expect(200)).body.data.policies;
      expect(list.map((p: { policy_id: string; version: number }) => [p.policy_id, p.version])).toEqual([
        ['berlin-desk', 2],
      ]);
      const retired = (await api.post('/api/v1/admin/policies/berlin-desk/retire').expect(200)).body.data;
      expect(retired).toMatchObject({ status: 'retired', version: 2 });
      expect(retired.retired_at).toBe(FRIDAY_16_BERLIN);
      const again = await api.put('/api/v1/admin/policies/berlin-desk', { name: 'x', sla_minutes: 5 }).expect(409);
      expect(again.body.error.message).toBe('Policy berlin-desk is retired');
      // Another tenant sees none of it.
      await apiAs(app, uniqueTenant(), DEV_TOKENS.admin).get('/api/v1/admin/policies/berlin-desk').expect(404);
      await api.get('/api/v1/admin/policies/nope').expect(404);
    });

    it('needs policy_manage', async () => {
      await api.as(DEV_TOKENS.writer).get('/api/v1/admin/policies').expect(403);
      await api.as(DEV_TOKENS.writer).post('/api/v1/admin/policies', { name: 'p', sla_minutes: 5 }).expect(403);
      await api.as(DEV_TOKENS.reader).get('/api/v1/admin/review-templates').expect(403);
    });

    it.each([
      [{ calendar: { ...BERLIN, time_zone: 'Berlin/Mitte' } }, 'calendar.time_zone: must be an IANA time zone'],
      [
        {
          calendar: {
            ...BERLIN,
            working_hours: [
              { start: '09:00', end: '12:30' },
              { start: '12:00', end: '17:00' },
            ],
          },
        },
        'calendar.working_hours[1]: overlaps working_hours[0]',
      ],
      [{ calendar: { ...BERLIN, holidays: ['Christmas'] } }, 'calendar.holidays[0]: must be a date YYYY-MM-DD'],
      [{ escalation_levels: [{ delay_minutes: 10 }] }, 'escalation_levels[0]: needs a target'],
      [{ warning_thresholds: [50, 100] }, 'warning_thresholds[1]: must be a percentage between 1 and 99'],
      [{ required_approvals: 0 }, 'required_approvals: must be an integer between 1 and 10'],
      [{ on_final_breach: { action: 'explode' } }, 'on_final_breach.action: must be one of none, auto_reject'],
    ])('answers 400 invalid_argument for %j', async (extra, message) => {
      const res = await api.post('/api/v1/admin/policies', { name: 'p', sla_minutes: 60, ...extra }).expect(400);
      expect(res.body.error.code).toBe('invalid_argument');
      expect(res.body.error.message).toContain(message);
    });

    it('refuses unknown fields', async () => {
      const top = await api.post('/api/v1/admin/policies', { name: 'p', sla_minutes: 60, colour: 'red' }).expect(400);
      expect(top.body.error.code).toBe('invalid_argument');
      const nested = await api
        .post('/api/v1/admin/policies', { name: 'p', sla_minutes: 60, match: { kind: 'x' } })
        .expect(400);
      expect(nested.body.error.message).toContain('match: unknown field(s) kind');
    });
  });

  describe('items and the sweep', () => {
    it('counts a 4-hour SLA over business hours: requested Friday 16:00 in Berlin, due Monday 12:00', async () => {
      await createPolicy({
        policy_id: 'berlin',
        name: 'Berlin',
        sla_minutes: 240,
        calendar: BERLIN,
        required_approvals: 2,
      });
      const wf = await requestException('fri');
      const { workflow } = await detail(wf);
      expect(workflow).toMatchObject({
        sla_due_at: '2026-11-30T11:00:00.000Z',
        workflow_policy_id: 'berlin',
        workflow_policy_version: 1,
        required_approvals: 2,
        // The exception's own policy fields are untouched.
        policy_id: 'discount-cap',
        sla_clock: { state: 'running', due_at: '2026-11-30T11:00:00.000Z', business_hours_time_zone: 'Europe/Berlin' },
      });
      const inbox = (await api.get('/api/v1/workflows').expect(200)).body.data.items;
      expect(inbox[0]).toMatchObject({ workflow_policy_id: 'berlin', workflow_policy_version: 1 });
    });

    it('leaves items no policy matches on the deployment defaults, and keeps an item on its version', async () => {
      await createPolicy({
        policy_id: 'reviews',
        name: 'Reviews',
        match: { workflow_kind: 'incident_review' },
        sla_minutes: 5,
      });
      const plain = await requestException('plain');
      expect((await detail(plain)).workflow).toMatchObject({
        workflow_policy_id: null,
        workflow_policy_version: null,
        sla_due_at: '2026-11-27T19:00:00.000Z',
      });
      await createPolicy({
        policy_id: 'ex',
        name: 'Exceptions',
        match: { workflow_kind: 'exception_review' },
        sla_minutes: 60,
      });
      const first = await requestException('v1');
      await api.put('/api/v1/admin/policies/ex', {
        name: 'Exceptions',
        match: { workflow_kind: 'exception_review' },
        sla_minutes: 30,
      });
      const second = await requestException('v2');
      expect((await detail(first)).workflow).toMatchObject({
        workflow_policy_version: 1,
        sla_due_at: '2026-11-27T16:00:00.000Z',
      });
      expect((await detail(second)).workflow).toMatchObject({
        workflow_policy_version: 2,
        sla_due_at: '2026-11-27T15:30:00.000Z',
      });
      // The more specific policy wins over the kind-only one.
      await createPolicy({
        policy_id: 'ex-high',
        name: 'High exceptions',
        match: { workflow_kind: 'exception_review', priority: 'high' },
        sla_minutes: 10,
      });
      const high = await requestException('hi', FRIDAY_16_BERLIN, { priority: 'high' });
      const low = await requestException('lo', FRIDAY_16_BERLIN, { priority: 'low' });
      expect((await detail(high)).workflow.workflow_policy_id).toBe('ex-high');
      expect((await detail(low)).workflow.workflow_policy_id).toBe('ex');
      // Retired: no longer matched.
      await api.post('/api/v1/admin/policies/ex-high/retire').expect(200);
      const later = await requestException('hi2', FRIDAY_16_BERLIN, { priority: 'high' });
      expect((await detail(later)).workflow.workflow_policy_id).toBe('ex');
    });

    it('sends one deadline_risk notice per threshold, walks the escalation chain, then auto-rejects', async () => {
      await createPolicy({
        policy_id: 'chain',
        name: 'Chain',
        sla_minutes: 240,
        calendar: BERLIN,
        warning_thresholds: [50, 75, 90],
        escalation_levels: [
          { assigned_role: 'lead', delay_minutes: 0 },
          { assigned_account_id: 'head-of-ops', delay_minutes: 30, repeat: 1 },
        ],
        on_final_breach: { action: 'auto_reject', reason: 'Not decided within the SLA', delay_minutes: 30 },
      });
      const wf = await requestException('chain');
      // Nothing is due over the weekend: the sweep does not touch the item.
      await expectUntouched(wf, '2026-11-29T12:00:00Z');
      // Monday: 50 % at 10:00 Berlin (09:00Z), 75 % at 11:00 (10:00Z), 90 % at 11:36 (10:36Z).
      await sweepAt('2026-11-30T09:00:00Z');
      expect((await notices(wf, 'deadline_risk')).map((n) => n.payload.threshold_percent)).toEqual([50]);
      await expectUntouched(wf, '2026-11-30T09:30:00Z');
      await sweepAt('2026-11-30T10:40:00Z');
      const risks = await notices(wf, 'deadline_risk');
      expect(risks.map((n) => n.payload.threshold_percent).sort()).toEqual([50, 75, 90]);
      expect(new Set(risks.map((n) => n.message))).toEqual(
        new Set([`Workflow chain:exception:ex-1 is nearing its SLA deadline`]),
      );
      // Due 11:00Z: level 1 just after it, level 2 at +30 min and again at +60, the breach at +90.
      await sweepAt('2026-11-30T11:00:00Z');
      expect((await detail(wf)).workflow.status).toBe('requested');
      await sweepAt('2026-11-30T11:01:00Z');
      expect((await detail(wf)).workflow).toMatchObject({
        status: 'escalated',
        escalation_count: 1,
        assigned_role: 'lead',
      });
      await sweepAt('2026-11-30T11:31:00Z');
      expect((await detail(wf)).workflow).toMatchObject({
        escalation_count: 2,
        assigned_account_id: 'head-of-ops',
        assigned_role: null,
      });
      await sweepAt('2026-11-30T11:45:00Z');
      expect((await detail(wf)).workflow.escalation_count).toBe(2);
      await sweepAt('2026-11-30T12:01:00Z');
      expect((await detail(wf)).workflow.escalation_count).toBe(3);
      await sweepAt('2026-11-30T12:31:00Z');
      const final = await detail(wf);
      expect(final.workflow).toMatchObject({
        status: 'rejected',
        current_decision: 'rejected',
        current_reason: 'Not decided within the SLA',
        resolved_at: '2026-11-30T12:31:00.000Z',
        sla_clock: { state: 'stopped' },
      });
      expect(final.actions.map((a: { action_type: string }) => a.action_type)).toEqual([
        'requested',
        'escalate',
        'escalate',
        'escalate',
        'reject',
      ]);
      expect(final.actions[4]).toMatchObject({
        actor: { actor_id: 'workflow-sla', actor_type: 'system' },
        payload: { source: 'automatic_sla_breach', policy_id: 'chain', policy_version: 1 },
      });
      expect((await notices(wf, 'escalation')).map((n) => n.message).sort()).toEqual([
        'Workflow chain:exception:ex-1 escalated to head-of-ops',
        'Workflow chain:exception:ex-1 escalated to head-of-ops',
        'Workflow chain:exception:ex-1 escalated to lead',
      ]);
      // Decided: nothing more to sweep.
      await expectUntouched(wf, '2026-12-01T12:00:00Z');
    });

    it('pauses the SLA clock while changes are requested and moves the due time by the paused working time', async () => {
      await createPolicy({
        policy_id: 'pausing',
        name: 'Pausing',
        sla_minutes: 240,
        calendar: BERLIN,
        pause_on_changes_requested: true,
        escalation_levels: [{ assigned_role: 'lead' }],
      });
      const wf = await requestException('pause');
      // Monday 09:30 Berlin: sent back to the requester.
      clock.at = new Date('2026-11-30T08:30:00Z');
      await api.post(`/api/v1/workflows/${wf}/actions`, { action: 'request_change', reason: 'more data' }).expect(200);
      expect((await detail(wf)).workflow.sla_clock).toMatchObject({
        state: 'paused',
        paused_at: '2026-11-30T08:30:00.000Z',
      });
      // Long past the original due time, a paused item is neither swept nor escalated.
      await expectUntouched(wf, '2026-11-30T15:00:00Z');
      expect((await detail(wf)).workflow.status).toBe('changes_requested');
      // Requested again Monday 16:30 Berlin: 7 working hours paused → due Monday 12:00 + 7 h = Tuesday 11:00 Berlin.
      clock.at = new Date('2026-11-30T15:30:00Z');
      await api
        .post(
          '/api/v1/events',
          anEvent('ExceptionRequested', {
            trace_id: 'pause',
            trace_seq: 2,
            occurred_at: clock.at.toISOString(),
            payload: { ...(anEvent('ExceptionRequested').payload as object), reason: 'here it is' },
          }),
        )
        .expect(201);
      const { workflow } = await detail(wf);
      expect(workflow).toMatchObject({ status: 'requested', sla_due_at: '2026-12-01T10:00:00.000Z' });
      expect(workflow.sla_clock).toMatchObject({ state: 'running', paused_at: null });
      await expectUntouched(wf, '2026-12-01T09:59:00Z');
      await sweepAt('2026-12-01T10:01:00Z');
      expect((await detail(wf)).workflow).toMatchObject({ status: 'escalated', assigned_role: 'lead' });
    });
  });

  describe('more policy rules through the sweep', () => {
    it('keeps local office hours across a DST change: due Monday 12:00 CEST after a Friday in CET', async () => {
      await createPolicy({
        policy_id: 'dst',
        name: 'DST',
        sla_minutes: 240,
        calendar: BERLIN,
        escalation_levels: [{ assigned_role: 'lead' }],
      });
      // Friday 27 March 2026 16:00 CET; Berlin moves to CEST on Sunday 29 March.
      clock.at = new Date('2026-03-27T15:00:00Z');
      const wf = await requestException('dst', '2026-03-27T15:00:00.000Z');
      expect((await detail(wf)).workflow.sla_due_at).toBe('2026-03-30T10:00:00.000Z');
      await expectUntouched(wf, '2026-03-30T09:59:00Z');
      await sweepAt('2026-03-30T10:00:01Z');
      expect((await detail(wf)).workflow).toMatchObject({ status: 'escalated', assigned_role: 'lead' });
    });

    it('escalates a policy item once when sweeps run at the same moment', async () => {
      await createPolicy({
        policy_id: 'once',
        name: 'Once',
        sla_minutes: 60,
        escalation_levels: [{ assigned_role: 'lead' }],
      });
      const wf = await requestException('once');
      clock.at = new Date('2026-11-27T16:30:00Z');
      const sweeps = app.get(SlaSweepService);
      await Promise.all([sweeps.sweep(clock.now()), sweeps.sweep(clock.now()), sweeps.sweep(clock.now())]);
      const { workflow, actions } = await detail(wf);
      expect(workflow.escalation_count).toBe(1);
      expect(actions.filter((a: { action_type: string }) => a.action_type === 'escalate')).toHaveLength(1);
    });

    it('applies the policy’s separation of duties instead of the deployment’s', async () => {
      const own = await requestException('sod-default');
      const refused = await api
        .post(`/api/v1/workflows/${own}/actions`, { action: 'approve', reason: 'mine' })
        .expect(403);
      expect(refused.body.error.details.rule).toBe('separation_of_duties');
      await createPolicy({
        policy_id: 'solo',
        name: 'Single-operator desk',
        sla_minutes: 60,
        separation_of_duties: false,
      });
      const solo = await requestException('sod-off');
      expect((await detail(solo)).workflow.workflow_policy_id).toBe('solo');
      await api.post(`/api/v1/workflows/${solo}/actions`, { action: 'approve', reason: 'mine, allowed' }).expect(200);
    });
  });

  describe('tenant review templates in the studio', () => {
    it('lists them beside the built-in three; a review started from one takes its defaults, policy and quorum', async () => {
      const template = (
        await api
          .post('/api/v1/admin/review-templates', {
            template_id: 'payments_review',
            title: 'Payments Review',
            description: 'Check a payment run',
            default_priority: 'low',
            default_sla_hours: 3,
            reviewer_role: 'payments',
            required_approvals: 2,
          })
          .expect(201)
      ).body.data;
      expect(template).toMatchObject({
        template_id: 'payments_review',
        version: 1,
        status: 'active',
        workflow_kind: 'incident_review',
      });
      await api
        .post('/api/v1/admin/review-templates', { template_id: 'incident_triage', title: 'x', default_sla_hours: 1 })
        .expect(400);
      await createPolicy({
        policy_id: 'payments',
        name: 'Payments',
        match: { template_id: 'payments_review' },
        sla_minutes: 30,
      });

      const listed = (await api.get('/api/v1/workflow-studio/templates').expect(200)).body.data.templates;
      expect(listed.map((t: { template_id: string }) => t.template_id)).toEqual([
        'incident_triage',
        'exception_follow_up',
        'precedent_gap_review',
        'payments_review',
      ]);
      expect(listed[3]).toMatchObject({ source: 'tenant', version: 1, required_approvals: 2, default_sla_hours: 3 });

      await api
        .post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'pay-run', occurred_at: FRIDAY_16_BERLIN }))
        .expect(201);
      const dry = (await api.get('/api/v1/workflow-studio/traces/pay-run?template_id=payments_review').expect(200)).body
        .data;
      expect(dry.template.template_id).toBe('payments_review');
      expect(dry.draft).toMatchObject({ priority: 'low', sla_hours: 3, assigned_role: 'payments' });
      const started = await api
        .post('/api/v1/workflow-studio/traces/pay-run/reviews', {
          reason: 'monthly check',
          template_id: 'payments_review',
        })
        .expect(201);
      expect(started.body.data.workflow).toMatchObject({
        workflow_id: 'pay-run:trace_review:payments_review',
        priority: 'low',
        assigned_role: 'payments',
        required_approvals: 2,
        workflow_policy_id: 'payments',
        workflow_policy_version: 1,
        sla_due_at: '2026-11-27T15:30:00.000Z',
      });
      // Retired: the studio no longer offers it, and another tenant never saw it.
      await api.post('/api/v1/admin/review-templates/payments_review/retire').expect(200);
      expect((await api.get('/api/v1/workflow-studio/templates').expect(200)).body.data.templates).toHaveLength(3);
      const other = apiAs(app, uniqueTenant(), DEV_TOKENS.admin);
      expect((await other.get('/api/v1/workflow-studio/templates').expect(200)).body.data.templates).toHaveLength(3);
    });
  });
});
