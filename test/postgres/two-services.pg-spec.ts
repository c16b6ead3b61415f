import { Client } from 'pg';
import { anEvent, EventBody } from '../factories/events';
import { createOwnDatabase } from '../setup/own-database';
import { ServiceProcess, startService } from '../setup/service-process';
import { DEV_TOKENS, uniqueTenant } from '../setup/test-app';
import { eventually, FAST_DELIVERY, WebhookReceiver } from '../setup/webhook-receiver';

/** How long the load runs: 20 s by default (CI), `DG_TEST_TWO_SERVICES_SECONDS=60` for the full minute. */
const LOAD_MS = Number(process.env.DG_TEST_TWO_SERVICES_SECONDS ?? 20) * 1000;
/** Clients sending rounds at once. */
const CLIENTS = 4;
/** Exception reviews are due 4 h after their request (DG_EXCEPTION_REVIEW_SLA_HOURS). */
const SLA_MS = 4 * 3_600_000;
/** A "due" item is requested so that it falls due this long after it is created: the sweep, not its creation, escalates it. */
const DUE_AFTER_MS = 5_000;

type Response = { status: number; body: { error?: { code: string; message: string } } };

/** One tenant on one process, over real HTTP. */
function client(service: ServiceProcess, tenant: string) {
  const send = async (method: string, path: string, token: string, body?: unknown): Promise<Response> => {
    const res = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: {
        'x-tenant-id': tenant,
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Response['body'] };
  };
  return {
    events: (events: EventBody[]) => send('POST', '/api/v1/events/batch', DEV_TOKENS.writer, { events }),
    action: (workflowId: string, action: string) =>
      send('POST', `/api/v1/workflows/${encodeURIComponent(workflowId)}/actions`, DEV_TOKENS.admin, {
        action,
        reason: `${action} from a test`,
      }),
    admin: (method: string, path: string, body?: unknown) => send(method, path, DEV_TOKENS.admin, body),
    metrics: async () => (await fetch(`${service.baseUrl}/metrics`)).text(),
  };
}

function exceptionTrace(traceId: string, requestedAt: Date): EventBody[] {
  return [
    anEvent('TraceStarted', { trace_id: traceId }),
    anEvent('ExceptionRequested', { trace_id: traceId, trace_seq: 1, occurred_at: requestedAt.toISOString() }),
  ];
}

const workflowOf = (traceId: string) => `${traceId}:exception:ex-1`;

/**
 * SPEC §7 and §8 with several replicas: two built services on one PostgreSQL database, each with
 * its SLA sweep (every second) and its webhook worker, under load from clients spread over both.
 * Rounds of three kinds: an item that falls due a few seconds later (for the sweeps to race on),
 * an item on which one process is asked to approve and the other to reject at the same moment,
 * and the notifications of both going to one real receiver. Afterwards: each due item escalated
 * once, each delivery sent once (counted at the receiver), each conflicting pair decided once.
 * Its own database: both sweeps reach every tenant there.
 */
describe('two service processes on one PostgreSQL database under load', () => {
  let own: Awaited<ReturnType<typeof createOwnDatabase>>;
  let receiver: WebhookReceiver;
  const services: ServiceProcess[] = [];
  let db: Client;

  beforeAll(async () => {
    own = await createOwnDatabase();
    receiver = await WebhookReceiver.create();
    const env = {
      ...FAST_DELIVERY,
      DATABASE_URL: own.url,
      DG_MIGRATE_ON_START: 'true',
      DG_SLA_SWEEP_INTERVAL_SECONDS: '1',
      DG_LOG_LEVEL: 'warn',
    };
    // At once: both migrate on start, one after the other under the migration lock.
    services.push(...(await Promise.all([startService(env), startService(env)])));
    db = new Client({ connectionString: own.url });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await Promise.all(services.map((s) => s.stop()));
    await receiver?.stop();
    await own?.drop();
  });

  it('escalates each due item once, sends each delivery once and decides each conflict once', async () => {
    const tenant = uniqueTenant('two');
    const [a, b] = services.map((s) => client(s, tenant));
    expect((await a.admin('POST', '/api/v1/admin/webhooks', { url: receiver.url('/both') })).status).toBe(201);

    const due: string[] = [];
    const conflicts: { traceId: string; approve: Response; reject: Response }[] = [];
    const failures: string[] = [];
    const stopAt = Date.now() + LOAD_MS;
    const clientLoop = async (n: number) => {
      for (let round = 0; Date.now() < stopAt; round++) {
        const [first, second] = (n + round) % 2 ? [a, b] : [b, a];
        const dueTrace = `due-${n}-${round}`;
        const created = await first.events(exceptionTrace(dueTrace, new Date(Date.now() - SLA_MS + DUE_AFTER_MS)));
        if (created.status !== 201) failures.push(`${dueTrace}: ${created.status} ${JSON.stringify(created.body)}`);
        else due.push(dueTrace);

        const conflictTrace = `conflict-${n}-${round}`;
        const requested = await second.events(exceptionTrace(conflictTrace, new Date()));
        if (requested.status !== 201) {
          failures.push(`${conflictTrace}: ${requested.status} ${JSON.stringify(requested.body)}`);
          continue;
        }
        const [approve, reject] = await Promise.all([
          first.action(workflowOf(conflictTrace), 'approve'),
          second.action(workflowOf(conflictTrace), 'reject'),
        ]);
        conflicts.push({ traceId: conflictTrace, approve, reject });
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, n) => clientLoop(n)));
    expect(failures).toEqual([]);
    expect(due.length).toBeGreaterThanOrEqual(10);

    // Conflicting decisions across the two processes: exactly one wins, the other gets the guard's 400.
    for (const c of conflicts) {
      const winner = c.approve.status === 200 ? 'approved' : 'rejected';
      expect([c.approve.status, c.reject.status].sort()).toEqual([200, 400]);
      const loser = winner === 'approved' ? c.reject : c.approve;
      expect(loser.body.error).toMatchObject({ code: 'invalid_argument', message: `already ${winner}` });
    }
    const decided = await db.query<{ trace_id: string; status: string; decisions: number; approvals: number }>(
      `SELECT i.trace_id, i.status,
         (SELECT count(*)::int FROM dg_workflow_actions a WHERE a.tenant_id = i.tenant_id AND a.workflow_id = i.workflow_id
            AND a.action_type IN ('approve', 'reject')) AS decisions,
         (SELECT count(*)::int FROM dg_event_log e WHERE e.tenant_id = i.tenant_id AND e.trace_id = i.trace_id
            AND e.event_type = 'ApprovalRecorded') AS approvals
       FROM dg_workflow_items i WHERE i.tenant_id = $1 AND i.trace_id LIKE 'conflict-%'`,
      [tenant],
    );
    expect(decided.rows).toHaveLength(conflicts.length);
    const winners = new Map(conflicts.map((c) => [c.traceId, c.approve.status === 200 ? 'approved' : 'rejected']));
    for (const row of decided.rows)
      expect(row).toEqual({ ...row, status: winners.get(row.trace_id), decisions: 1, approvals: 1 });

    // Each due item is escalated by a sweep, once, with one escalation and one deadline_risk notice.
    const escalated = await eventually(
      'every due item to be escalated',
      async () => {
        const { rows } = await db.query<{ trace_id: string; status: string; escalation_count: number }>(
          `SELECT trace_id, status, escalation_count FROM dg_workflow_items WHERE tenant_id = $1 AND trace_id LIKE 'due-%'`,
          [tenant],
        );
        return rows.length === due.length && rows.every((r) => r.status === 'escalated') && rows;
      },
      600,
    );
    expect(escalated.map((r) => r.escalation_count)).toEqual(due.map(() => 1));
    const perItem = await db.query<{ workflow_id: string; escalations: number; by_sweep: number; notices: string }>(
      `SELECT i.workflow_id,
         (SELECT count(*)::int FROM dg_workflow_actions a WHERE a.tenant_id = i.tenant_id AND a.workflow_id = i.workflow_id
            AND a.action_type = 'escalate') AS escalations,
         (SELECT count(*)::int FROM dg_workflow_actions a WHERE a.tenant_id = i.tenant_id AND a.workflow_id = i.workflow_id
            AND a.action_type = 'escalate' AND a.actor->>'actor_type' = 'system') AS by_sweep,
         (SELECT string_agg(n.category, ',' ORDER BY n.category) FROM dg_workflow_notifications n
            WHERE n.tenant_id = i.tenant_id AND n.workflow_id = i.workflow_id) AS notices
       FROM dg_workflow_items i WHERE i.tenant_id = $1 AND i.trace_id LIKE 'due-%'`,
      [tenant],
    );
    for (const row of perItem.rows)
      expect(row).toEqual({
        workflow_id: row.workflow_id,
        escalations: 1,
        by_sweep: 1,
        notices: 'assignment,deadline_risk,escalation',
      });

    // Each delivery sent once: every one succeeded at its first attempt, and the receiver saw each id once.
    const deliveries = await eventually(
      'every delivery to succeed',
      async () => {
        const { rows } = await db.query<{ delivery_id: string; status: string; attempt_count: number }>(
          `SELECT delivery_id, status, attempt_count FROM dg_webhook_deliveries WHERE tenant_id = $1`,
          [tenant],
        );
        const [{ n }] = (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM dg_workflow_notifications WHERE tenant_id = $1`,
            [tenant],
          )
        ).rows;
        return rows.length === n && rows.every((r) => r.status === 'succeeded') && rows;
      },
      600,
    );
    expect(deliveries.map((d) => d.attempt_count)).toEqual(deliveries.map(() => 1));
    const ids = receiver.at('/both').map((r) => r.headers['webhook-id'] as string);
    expect(ids.length).toBe(deliveries.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(deliveries.map((d) => d.delivery_id)));
    // Both workers took part, and together made one attempt per delivery.
    const sent = await Promise.all(
      [a, b].map(async (c) =>
        Number(/^dg_webhook_deliveries_total\{outcome="succeeded"\} (\d+)$/m.exec(await c.metrics())?.[1] ?? 0),
      ),
    );
    expect(sent.every((n) => n > 0)).toBe(true);
    expect(sent[0] + sent[1]).toBe(deliveries.length);
  }, 180_000);
});
