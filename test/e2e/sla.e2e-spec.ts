import type { NestExpressApplication } from '@nestjs/platform-express';
import { SlaSweepService } from '../../src/sla/sla-sweep.service';
import { anEvent } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { createOwnDatabase, onPostgres } from '../setup/own-database';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** An exception (4 h SLA) requested `age` ms ago, in a trace of its own. */
async function exceptionRequestedAgo(api: ReturnType<typeof apiAs>, traceId: string, age: number): Promise<string> {
  await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: traceId })).expect(201);
  await api
    .post('/api/v1/events', anEvent('ExceptionRequested', { trace_id: traceId, trace_seq: 1, occurred_at: ago(age) }))
    .expect(201);
  return encodeURIComponent(`${traceId}:exception:ex-1`);
}

type Detail = {
  workflow: { status: string; escalation_count: number; assigned_role: string };
  actions: { action_type: string; actor: { actor_id: string; actor_type: string }; payload: Record<string, unknown> }[];
  notifications: { category: string; message: string }[];
};

describe('SLA: deadline risk and automatic escalation (SPEC §7)', () => {
  let api: ReturnType<typeof apiAs>;
  const detail = async (wf: string): Promise<Detail> =>
    (await api.get(`/api/v1/workflows/${wf}`).expect(200)).body.data;

  const app = useTestApp({ env: { ...GENEROUS_LIMITS, DG_SLA_SWEEP_INTERVAL_SECONDS: '1' } });
  beforeEach(() => {
    api = apiAs(app, uniqueTenant(), DEV_TOKENS.admin);
  });

  it('escalates an item created 5 h in the past before the POST returns', async () => {
    const wf = await exceptionRequestedAgo(api, 'late', 5 * HOUR);
    const { workflow, actions, notifications } = await detail(wf);
    expect(workflow).toMatchObject({ status: 'escalated', escalation_count: 1, assigned_role: 'admin' });
    const escalation = actions.filter((a) => a.action_type === 'escalate');
    expect(escalation).toHaveLength(1);
    expect(escalation[0]).toMatchObject({
      actor: { actor_id: 'workflow-sla', actor_type: 'system' },
      payload: { reason: 'SLA deadline passed', source: 'automatic_sla_escalation', escalation_count: 1 },
    });
    expect(notifications.filter((n) => n.category === 'escalation').map((n) => n.message)).toEqual([
      `Workflow late:exception:ex-1 escalated to admin`,
    ]);
  });

  it('holds a deadline beyond 9999-12-31 at the last storable instant instead of failing the append', async () => {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'far' })).expect(201);
    await api
      .post(
        '/api/v1/events',
        anEvent('ExceptionRequested', { trace_id: 'far', trace_seq: 1, occurred_at: '9999-12-31T23:00:00Z' }),
      )
      .expect(201);
    const { workflow } = await detail(encodeURIComponent('far:exception:ex-1'));
    expect(workflow).toMatchObject({ status: 'requested', sla_due_at: '9999-12-31T23:59:59.999Z', overdue: false });
  });

  it('writes one deadline_risk notice for an item due in 15 min, however often it is read', async () => {
    const wf = await exceptionRequestedAgo(api, 'soon', 4 * HOUR - 15 * 60_000);
    for (let i = 0; i < 3; i++) await detail(wf);
    await app.get(SlaSweepService).sweep(new Date());
    const risks = (await api.get(`/api/v1/workflows/${wf}/notifications?category=deadline_risk`).expect(200)).body.data
      .notifications;
    expect(risks.map((n: { message: string }) => n.message)).toEqual([
      'Workflow soon:exception:ex-1 is nearing its SLA deadline',
    ]);
    expect((await detail(wf)).workflow.status).toBe('requested');
  });

  it('lets the scheduled sweep escalate an item whose due time passes while nobody reads it', async () => {
    const wf = await exceptionRequestedAgo(api, 'unread', 4 * HOUR - 1500);
    expect((await detail(wf)).workflow.status).toBe('requested');
    // The sweep runs every second; wait (bounded) for it rather than calling it.
    let status = 'requested';
    for (let i = 0; i < 100 && status !== 'escalated'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await detail(wf)).workflow.status;
    }
    expect(status).toBe('escalated');
    await new Promise((r) => setTimeout(r, 2500));
    const { actions, notifications } = await detail(wf);
    expect(actions.filter((a) => a.action_type === 'escalate')).toHaveLength(1);
    expect(notifications.filter((n) => n.category === 'escalation')).toHaveLength(1);
  });

  it('escalates again, with count 2, an item sent back with request_change while past due', async () => {
    const wf = await exceptionRequestedAgo(api, 'again', 5 * HOUR);
    await api
      .post(`/api/v1/workflows/${wf}/actions`, { action: 'request_change', reason: 'need more data' })
      .expect(200);
    const { workflow, actions } = await detail(wf);
    expect(workflow).toMatchObject({ status: 'escalated', escalation_count: 2 });
    expect(actions.map((a) => a.action_type)).toEqual(['requested', 'escalate', 'request_change', 'escalate']);
  });

  it('leaves a claimed overdue escalated item to its claimant, and escalates it again once released', async () => {
    const wf = await exceptionRequestedAgo(api, 'claimed-late', 5 * HOUR);
    const claimed = await api.post(`/api/v1/workflows/${wf}/actions`, { action: 'claim' }).expect(200);
    expect(claimed.body.data.workflow).toMatchObject({ status: 'in_review', escalation_count: 1, overdue: true });
    // The item is an hour past due already. A sweep sees every tenant of the database, and on the
    // shared PostgreSQL one a clock set hours ahead would escalate other test files' fresh items.
    await app.get(SlaSweepService).sweep(new Date());
    expect((await detail(wf)).workflow).toMatchObject({ status: 'in_review', escalation_count: 1 });
    // Back in the queue and still overdue, it must not go quiet: the SLA, evaluated on every
    // change, escalates it again at once.
    await api.post(`/api/v1/workflows/${wf}/actions`, { action: 'release' }).expect(200);
    const { workflow, actions } = await detail(wf);
    expect(workflow).toMatchObject({ status: 'escalated', escalation_count: 2 });
    expect(actions.map((a) => a.action_type)).toEqual(['requested', 'escalate', 'claim', 'release', 'escalate']);
  });

  it('does not escalate an escalated item again', async () => {
    const wf = await exceptionRequestedAgo(api, 'once', 5 * HOUR);
    await app.get(SlaSweepService).sweep(new Date());
    const { workflow, actions } = await detail(wf);
    expect(workflow.escalation_count).toBe(1);
    expect(actions.filter((a) => a.action_type === 'escalate')).toHaveLength(1);
  });
});

describe('SLA sweeps running concurrently on one database', () => {
  let first: NestExpressApplication;
  let second: NestExpressApplication;
  let own: Awaited<ReturnType<typeof createOwnDatabase>> | undefined;
  beforeAll(async () => {
    // Two application instances on PostgreSQL, on a database of their own: their sweeps run with a
    // clock hours ahead, which would escalate the other test files' fresh items, and no other
    // file's sweep may take these items first. The embedded database belongs to one process (and
    // is this file's alone), so there the sweeps run side by side in one instance.
    own = onPostgres ? await createOwnDatabase() : undefined;
    const env = { ...GENEROUS_LIMITS, ...(own ? { DATABASE_URL: own.url } : {}) };
    first = await createTestApp({ env });
    second = onPostgres ? await createTestApp({ env }) : first;
  });
  afterAll(async () => {
    await closeApp(first);
    if (second !== first) await closeApp(second);
    await own?.drop();
  });

  it('escalates each item exactly once', async () => {
    const tenant = uniqueTenant();
    const api = apiAs(first, tenant, DEV_TOKENS.admin);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await exceptionRequestedAgo(api, `pair-${i}`, HOUR));
    const later = new Date(Date.now() + 10 * HOUR);
    const sweeps = [first, second, first].map((app) => app.get(SlaSweepService).sweep(later));
    const handled = (await Promise.all(sweeps)).reduce((sum, r) => sum + r.items, 0);
    expect(handled).toBe(12);
    for (const wf of ids) {
      const data = (await api.get(`/api/v1/workflows/${wf}`).expect(200)).body.data as Detail;
      expect(data.workflow.escalation_count).toBe(1);
      expect(data.actions.filter((a) => a.action_type === 'escalate')).toHaveLength(1);
      expect(data.notifications.filter((n) => n.category === 'escalation')).toHaveLength(1);
    }
  });
});
