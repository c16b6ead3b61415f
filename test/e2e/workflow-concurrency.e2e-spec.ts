import { PrismaService } from '../../src/database/prisma.service';
import { anEvent } from '../factories/events';
import {
  act,
  anException,
  Api,
  detailOf,
  exceptionWorkflowId,
  openException,
  traceEvents,
} from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

const ROUNDS = 10;
const ITEMS_PER_ROUND = 10;
const ITEMS_PER_TRACE = 2;
const TRACES = 40;

type Decision = 'approve' | 'reject';
const STATUS_OF: Record<Decision, string> = { approve: 'approved', reject: 'rejected' };

/** SPEC §6.2 and §6.3 "Concurrency": concurrent actions and appends, no event skipped or applied twice. */
describe('workflow concurrency (SPEC §6.2, §6.3)', () => {
  let api: Api;
  let tenant: string;
  const app = useTestApp({
    // This file is about concurrent decisions, with one account that asks and decides: a
    // single-account installation, where separation of duties (SPEC §11.3) is turned off. The rule
    // itself is tested in human-control.e2e-spec.ts and oidc.e2e-spec.ts.
    env: { ...GENEROUS_LIMITS, DG_SEPARATION_OF_DUTIES: 'false' },
  });
  beforeEach(() => {
    tenant = uniqueTenant('wfc');
    api = apiAs(app, tenant, DEV_TOKENS.writer);
  });

  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    'round %i: approve and reject fired together on each of 10 items — exactly one wins, one ApprovalRecorded each',
    async () => {
      // Two items per trace, so decisions of different items of one trace race as well.
      const traces = Array.from({ length: ITEMS_PER_ROUND / ITEMS_PER_TRACE }, (_, t) => `race-${t}`);
      const events = traces.flatMap((trace) => [
        anEvent('TraceStarted', { trace_id: trace }),
        ...Array.from({ length: ITEMS_PER_TRACE }, (_, k) => anException(trace, k + 1, { exception_id: `ex-${k}` })),
      ]);
      await api.post('/api/v1/events/batch', { events }).expect(201);
      const items = traces.flatMap((trace) =>
        Array.from({ length: ITEMS_PER_TRACE }, (_, k) => ({
          trace,
          exceptionId: `ex-${k}`,
          workflowId: exceptionWorkflowId(trace, `ex-${k}`),
        })),
      );

      const races = await Promise.all(
        items.map(async (item) => {
          const [approve, reject] = await Promise.all([
            act(api, item.workflowId, { action: 'approve', reason: 'race: yes' }),
            act(api, item.workflowId, { action: 'reject', reason: 'race: no' }),
          ]);
          return { item, results: { approve, reject } };
        }),
      );

      for (const { item, results } of races) {
        const winners = (Object.keys(results) as Decision[]).filter((d) => results[d].status === 200);
        expect({ workflow: item.workflowId, winners: winners.length }).toEqual({
          workflow: item.workflowId,
          winners: 1,
        });
        const winner = winners[0];
        const loser: Decision = winner === 'approve' ? 'reject' : 'approve';
        expect(results[loser].status).toBe(400);
        expect(results[loser].body.error.message).toBe(`already ${STATUS_OF[winner]}`);
        expect(results[winner].body.data.workflow.status).toBe(STATUS_OF[winner]);
      }

      for (const trace of traces) {
        const events = await traceEvents(api, trace);
        expect(events.map((e) => (e as unknown as { trace_seq: number }).trace_seq)).toEqual(events.map((_, i) => i));
        for (const { item, results } of races.filter((r) => r.item.trace === trace)) {
          const decisions = events.filter(
            (e) =>
              e.event_type === 'ApprovalRecorded' &&
              (e.payload.subject as { subject_id: string }).subject_id === item.exceptionId,
          );
          expect(decisions).toHaveLength(1);
          const winner = results.approve.status === 200 ? results.approve : results.reject;
          expect(decisions[0].event_id).toBe(winner.body.data.action.appended_event_id);
          expect(decisions[0].payload.decision).toBe(winner.body.data.workflow.current_decision);
          const detail = await detailOf(api, item.workflowId);
          expect(detail.actions.map((a: { action_type: string }) => a.action_type)).toEqual([
            'requested',
            'approval_recorded',
            results.approve.status === 200 ? 'approve' : 'reject',
          ]);
        }
      }
    },
  );

  it('applies 40 concurrently ingested ExceptionRequested events of one tenant: 40 items, one requested action each', async () => {
    const traces = Array.from({ length: TRACES }, (_, i) => `conc-${String(i).padStart(2, '0')}`);
    const started = await Promise.all(
      traces.map((trace) => api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: trace }))),
    );
    expect(started.map((r) => r.status)).toEqual(Array(TRACES).fill(201));
    const requested = await Promise.all(traces.map((trace) => api.post('/api/v1/events', anException(trace, 1))));
    expect(requested.map((r) => r.status)).toEqual(Array(TRACES).fill(201));

    const inbox = (await api.get('/api/v1/workflows?limit=200').expect(200)).body.data;
    expect(inbox.items.map((w: { workflow_id: string }) => w.workflow_id).sort()).toEqual(
      traces.map((t) => exceptionWorkflowId(t)),
    );
    expect(inbox.summary).toMatchObject({ total_count: TRACES, open_count: TRACES, notification_count: TRACES });
    for (const trace of traces) {
      const detail = await detailOf(api, exceptionWorkflowId(trace));
      expect(detail.actions.filter((a: { action_type: string }) => a.action_type === 'requested')).toHaveLength(1);
      expect(detail.notifications.filter((n: { category: string }) => n.category === 'assignment')).toHaveLength(1);
    }
    // Against the log: one item per ExceptionRequested, and the cursor at the last of them.
    const [state] = await app.get(PrismaService).$queryRaw<
      { cursor: bigint; last: bigint; requested: bigint; items: bigint }[]
    >`
      SELECT (SELECT max(last_applied_log_seq) FROM dg_workflow_runtime WHERE tenant_id = ${tenant}) AS cursor,
             (SELECT max(log_seq) FROM dg_event_log WHERE tenant_id = ${tenant} AND event_type = 'ExceptionRequested') AS last,
             (SELECT count(*) FROM dg_event_log WHERE tenant_id = ${tenant} AND event_type = 'ExceptionRequested') AS requested,
             (SELECT count(*) FROM dg_workflow_items WHERE tenant_id = ${tenant}) AS items`;
    expect(state.cursor).toBe(state.last);
    expect(state.items).toBe(state.requested);
    expect(Number(state.items)).toBe(TRACES);
  });

  it('applies the same ExceptionRequested once when it is retried concurrently', async () => {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'retried' })).expect(201);
    const exception = anException('retried', 1);
    const results = await Promise.all(Array.from({ length: 6 }, () => api.post('/api/v1/events', exception)));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(results.filter((r) => r.body.data.replayed === false)).toHaveLength(1);
    const detail = await detailOf(api, exceptionWorkflowId('retried'));
    expect(detail.actions).toHaveLength(1);
    expect(detail.notification_count).toBe(1);
  });

  it('answers concurrent requests with one Idempotency-Key identically, with one action row', async () => {
    const { workflowId } = await openException(api, 'idem-race');
    const body = { action: 'approve', reason: 'once only' };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => act(api, workflowId, body, { 'Idempotency-Key': 'race-key' })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(5).fill(200));
    for (const r of results) expect(r.body.data).toEqual(results[0].body.data);
    const approvals = (await traceEvents(api, 'idem-race')).filter((e) => e.event_type === 'ApprovalRecorded');
    expect(approvals).toHaveLength(1);
    expect(
      (await detailOf(api, workflowId)).actions.filter((a: { action_type: string }) => a.action_type === 'approve'),
    ).toHaveLength(1);
  });

  it('lets approvals of 6 items of one trace at the same moment all succeed, at consecutive trace_seq values', async () => {
    const ids = Array.from({ length: 6 }, (_, k) => `ex-${k}`);
    const events = [
      anEvent('TraceStarted', { trace_id: 'together' }),
      ...ids.map((id, k) => anException('together', k + 1, { exception_id: id })),
    ];
    await api.post('/api/v1/events/batch', { events }).expect(201);
    const results = await Promise.all(
      ids.map((id) => act(api, exceptionWorkflowId('together', id), { action: 'approve', reason: 'batch sign-off' })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    const trace = await traceEvents(api, 'together');
    expect(trace.map((e) => (e as unknown as { trace_seq: number }).trace_seq)).toEqual(
      Array.from({ length: 13 }, (_, i) => i),
    );
    expect(
      trace
        .filter((e) => e.event_type === 'ApprovalRecorded')
        .map((e) => e.event_id)
        .sort(),
    ).toEqual(results.map((r) => r.body.data.action.appended_event_id).sort());
  });

  it('lets exactly one of two concurrent claimants hold the claim', async () => {
    const { workflowId } = await openException(api, 'claim-race');
    const admin = apiAs(app, (await detailOf(api, workflowId)).workflow.tenant_id, DEV_TOKENS.admin);
    const [a, b] = await Promise.all([
      act(api, workflowId, { action: 'claim' }),
      act(admin, workflowId, { action: 'claim' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const holder = a.status === 200 ? 'dev-writer' : 'dev-admin';
    expect((await detailOf(api, workflowId)).workflow.claimed_by_account_id).toBe(holder);
  });
});
