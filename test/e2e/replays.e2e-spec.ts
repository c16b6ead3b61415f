import { PrismaService } from '../../src/database/prisma.service';
import { ReplayRunnerService } from '../../src/projections/replay-runner.service';
import { aTrace, anEvent } from '../factories/events';
import { serviceAccountsEnv } from '../factories/service-accounts';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { uniqueTenant, useTestApp } from '../setup/test-app';

const REPLAYS = '/api/v1/admin/replays';
const ACCOUNTS = serviceAccountsEnv([
  { account_id: 'ops', roles: ['admin'], tenant_ids: ['*'], permissions: ['*'], tokens: [{ token: 'ops-token' }] },
  {
    account_id: 'verifier',
    roles: ['admin'],
    tenant_ids: ['*'],
    permissions: ['projection_replay'],
    tokens: [{ token: 'verifier-token' }],
  },
  { account_id: 'auditor', roles: ['admin'], tenant_ids: ['*'], permissions: [], tokens: [{ token: 'auditor-token' }] },
  {
    account_id: 'producer',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['*'],
    tokens: [{ token: 'writer-token' }],
  },
  { account_id: 'viewer', roles: ['reader'], tenant_ids: ['*'], permissions: [], tokens: [{ token: 'reader-token' }] },
]);

describe('read models you can check and rebuild (SPEC §16)', () => {
  let prisma: PrismaService;
  let runner: ReplayRunnerService;

  const app = useTestApp({
    env: {
      ...GENEROUS_LIMITS,
      DG_SERVICE_ACCOUNTS: ACCOUNTS,
      // The tests drive the worker themselves, a few events per batch.
      DG_REPLAY_WORKER_ENABLED: 'false',
      DG_REPLAY_BATCH_SIZE: '3',
    },
  });
  beforeAll(async () => {
    prisma = app.get(PrismaService);
    runner = app.get(ReplayRunnerService);
  });

  /** A tenant with a finished trace (policy, exception, approval), an open one and a review request. */
  async function seeded() {
    const tenant = uniqueTenant('rpl');
    const writer = apiAs(app, tenant, 'writer-token');
    const finished = aTrace('trace-done', [
      'TraceStarted',
      'PolicyEvaluated',
      'ExceptionRequested',
      'ApprovalRecorded',
    ]);
    finished.push(anEvent('TraceFinished', { trace_id: 'trace-done', trace_seq: 4, payload: { outcome: 'success' } }));
    const open = aTrace('trace-open', ['TraceStarted', 'WorkflowReviewRequested']);
    const ops = apiAs(app, tenant, 'ops-token');
    // The approval comes from another account than the request (separation of duties, §11.3).
    for (const e of [...finished, ...open])
      await (e.event_type === 'ApprovalRecorded' ? ops : writer).post('/api/v1/events', e).expect(201);
    return { tenant, ops, writer };
  }

  async function runToEnd(api: ReturnType<typeof apiAs>, body: Record<string, unknown>) {
    const created = await api.post(REPLAYS, { reason: 'routine check', ...body }).expect(202);
    await runner.drain();
    return (await api.get(`${REPLAYS}/${created.body.data.run.job_id}`).expect(200)).body.data.run;
  }

  it('verifies a clean tenant: every model matches, digests stored, health reads them', async () => {
    const { tenant, ops } = await seeded();
    const run = await runToEnd(ops, { projection: 'all' });
    expect(run).toMatchObject({
      tenant_id: tenant,
      projection_name: 'all',
      mode: 'verify',
      status: 'succeeded',
      requested_by: 'ops',
      events_total: 7,
      events_processed: 7,
      mismatch_count: 0,
      mismatches: [],
      error: null,
    });
    expect(run.digest_after).toMatch(/^sha256:[0-9a-f]{64}$/);
    const health = (await apiAs(app, tenant, 'reader-token').get('/api/v1/projections/health').expect(200)).body.data;
    expect(health.event_log_last_seq).toBeGreaterThan(0);
    expect(health.open_runs).toEqual([]);
    expect(health.projections.map((p: { projection_name: string }) => p.projection_name)).toEqual([
      'trace_summary',
      'precedents',
      'workflow_import',
      'inbox_counts',
    ]);
    for (const p of health.projections) {
      expect(p).toMatchObject({ pending_events: 0, is_stale: false, open_failures: 0 });
      expect(p.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(p.last_log_seq).toBe(health.event_log_last_seq);
    }
  });

  it('finds a row changed or deleted by hand in each model, a rebuild repairs it, the next verify is clean', async () => {
    const { tenant, ops } = await seeded();
    const clean = await runToEnd(ops, { projection: 'all' });
    await prisma.$executeRaw`UPDATE dg_trace_summaries SET title = 'tampered' WHERE tenant_id = ${tenant} AND trace_id = 'trace-open'`;
    await prisma.$executeRaw`DELETE FROM dg_precedents WHERE tenant_id = ${tenant} AND event_type = 'PolicyEvaluated'`;
    await prisma.$executeRaw`UPDATE dg_workflow_items SET priority = 'low' WHERE tenant_id = ${tenant} AND workflow_kind = 'incident_review'`;
    await prisma.$executeRaw`
      INSERT INTO dg_workflow_counts (tenant_id, items, requested, in_review, changes_requested, escalated, approved,
        rejected, overridden, notifications) VALUES (${tenant}, 1, 1, 0, 0, 0, 0, 0, 0, 0)`;
    await prisma.$executeRaw`INSERT INTO dg_workflow_due_counts (tenant_id, due_day, n) VALUES (${tenant}, 0, 1)`;

    const verify = await runToEnd(ops, { projection: 'all' });
    expect(verify.status).toBe('succeeded');
    expect(verify.mismatch_count).toBe(4);
    const found = Object.fromEntries(verify.mismatches.map((m: { projection_name: string }) => [m.projection_name, m]));
    expect(found.trace_summary).toMatchObject({ key: { trace_id: 'trace-open' }, fields: ['title'] });
    expect(found.trace_summary.actual.title).toBe('tampered');
    expect(found.precedents).toMatchObject({ key: { trace_id: 'trace-done' }, actual: null });
    expect(found.precedents.expected.event_type).toBe('PolicyEvaluated');
    expect(found.workflow_import).toMatchObject({
      key: { workflow_id: 'trace-open:trace_review:incident_triage' },
      fields: ['priority'],
    });
    expect(found.inbox_counts).toMatchObject({ fields: ['items', 'open_due_days', 'requested'] });
    expect(verify.digest_after).toBe(clean.digest_after);

    const notices = (await ops.get('/api/v1/notifications?category=failure').expect(200)).body.data.notifications;
    expect(notices).toEqual([
      expect.objectContaining({
        workflow_id: `replay:${verify.job_id}`,
        dedupe_key: `failure:replay:${verify.job_id}`,
        recipient_role: 'admin',
        category: 'failure',
      }),
    ]);
    const health = (await ops.get('/api/v1/projections/health').expect(200)).body.data;
    expect(
      health.projections.find((p: { projection_name: string }) => p.projection_name === 'precedents').open_failures,
    ).toBe(1);

    const rebuild = await runToEnd(ops, { projection: 'all', mode: 'rebuild', reason: 'repair drift' });
    expect(rebuild).toMatchObject({ status: 'succeeded', mode: 'rebuild', mismatch_count: 3 });
    // workflow_import is verified, never rebuilt: fix the hand edit the way an operator would.
    await prisma.$executeRaw`UPDATE dg_workflow_items SET priority = 'high' WHERE tenant_id = ${tenant} AND workflow_kind = 'incident_review'`;
    const after = await runToEnd(ops, { projection: 'all' });
    expect(after).toMatchObject({ status: 'succeeded', mismatch_count: 0, mismatches: [] });
    // Not clean's digest: the failure notice above is counted by inbox_counts.
    expect(after.digest_after).not.toBe(clean.digest_after);
  });

  it('finds a deleted imported action and an extra trace summary row', async () => {
    const { tenant, ops } = await seeded();
    await prisma.$executeRaw`DELETE FROM dg_workflow_actions WHERE tenant_id = ${tenant} AND action_type = 'approval_recorded'`;
    await prisma.$executeRaw`
      INSERT INTO dg_trace_summaries (tenant_id, trace_id, event_count, last_log_seq, last_trace_seq, last_event_hash)
      VALUES (${tenant}, 'trace-ghost', 1, 1, 0, 'x')`;
    const run = await runToEnd(ops, { projection: 'all' });
    expect(run.mismatch_count).toBe(2);
    expect(run.mismatches).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ projection_name: 'trace_summary', key: { trace_id: 'trace-ghost' }, expected: null }),
        expect.objectContaining({
          projection_name: 'workflow_import',
          key: { action_id: expect.stringMatching(/^wfa:event:/) },
          actual: null,
        }),
      ]),
    );
    const rebuild = await runToEnd(ops, { projection: 'trace_summary', mode: 'rebuild' });
    expect(rebuild.mismatch_count).toBe(1);
    expect((await runToEnd(ops, { projection: 'trace_summary' })).mismatch_count).toBe(0);
  });

  it('a rebuild does not stop appends: events appended during it are all in the result', async () => {
    const { tenant, ops, writer } = await seeded();
    await prisma.$executeRaw`UPDATE dg_trace_summaries SET event_count = 99 WHERE tenant_id = ${tenant} AND trace_id = 'trace-done'`;
    const created = await ops.post(REPLAYS, { projection: 'all', mode: 'rebuild', reason: 'restore' }).expect(202);
    const jobId = created.body.data.run.job_id;
    await runner.drain('instance-a', 1);
    const running = (await ops.get(`${REPLAYS}/${jobId}`).expect(200)).body.data.run;
    expect(running).toMatchObject({ status: 'running', events_processed: 3, events_total: 7 });
    const stale = (await ops.get('/api/v1/projections/health').expect(200)).body.data;
    expect(stale.projections[0]).toMatchObject({ projection_name: 'trace_summary', is_stale: true });
    expect(stale.projections[0].pending_events).toBeGreaterThan(0);
    // Appended while the rebuild runs: a new trace, and the open trace finished.
    for (const e of aTrace('trace-late', ['TraceStarted', 'PolicyEvaluated']))
      await writer.post('/api/v1/events', e).expect(201);
    await writer
      .post(
        '/api/v1/events',
        anEvent('TraceFinished', { trace_id: 'trace-open', trace_seq: 2, payload: { outcome: 'failure' } }),
      )
      .expect(201);
    await prisma.$executeRaw`UPDATE dg_replay_runs SET lease_until = now() - interval '1 second' WHERE job_id = ${jobId}`;
    await runner.drain('instance-a');
    const done = (await ops.get(`${REPLAYS}/${jobId}`).expect(200)).body.data.run;
    expect(done).toMatchObject({ status: 'succeeded', events_processed: 10 });
    const summaries = await prisma.$queryRaw<{ trace_id: string; event_count: number; finished_at: Date | null }[]>`
      SELECT trace_id, event_count, finished_at FROM dg_trace_summaries WHERE tenant_id = ${tenant} ORDER BY trace_id`;
    expect(summaries.map((s) => [s.trace_id, s.event_count, s.finished_at !== null])).toEqual([
      ['trace-done', 5, true],
      ['trace-late', 2, false],
      ['trace-open', 3, true],
    ]);
    expect((await runToEnd(ops, { projection: 'all' })).mismatch_count).toBe(0);
  });

  it('a rebuild stopped after its write at the horizon goes on from there, its mismatches kept', async () => {
    const { tenant, ops } = await seeded();
    await prisma.$executeRaw`UPDATE dg_trace_summaries SET title = 'tampered' WHERE tenant_id = ${tenant} AND trace_id = 'trace-open'`;
    const id = (await ops.post(REPLAYS, { projection: 'trace_summary', mode: 'rebuild', reason: 'x' }).expect(202)).body
      .data.run.job_id;
    // Instance A stops between its write at the horizon and its locked tail.
    let reached!: () => void;
    let release!: () => void;
    const atTail = new Promise<void>((resolve) => (reached = resolve));
    const stopped = new Promise<void>((resolve) => (release = resolve));
    runner.afterHorizonWrite = async () => {
      reached();
      await stopped;
    };
    try {
      const first = runner.drain('instance-a');
      await atTail;
      runner.afterHorizonWrite = async () => undefined;
      const [mid] = await prisma.$queryRaw<{ phase: string; mismatch_count: number; title: string | null }[]>`
        SELECT r.phase, r.mismatch_count, s.title FROM dg_replay_runs r
        JOIN dg_trace_summaries s ON s.tenant_id = r.tenant_id AND s.trace_id = 'trace-open'
        WHERE r.job_id = ${id}`;
      expect(mid).toMatchObject({ phase: 'write', mismatch_count: 1 });
      expect(mid.title).not.toBe('tampered');

      await prisma.$executeRaw`UPDATE dg_replay_runs SET lease_until = now() - interval '1 second' WHERE job_id = ${id}`;
      await runner.drain('instance-b');
      const done = (await ops.get(`${REPLAYS}/${id}`).expect(200)).body.data.run;
      expect(done).toMatchObject({ status: 'succeeded', mismatch_count: 1 });
      expect(done.mismatches).toEqual([
        expect.objectContaining({ key: { trace_id: 'trace-open' }, fields: ['title'] }),
      ]);
      release();
      await first;
      expect((await ops.get(`${REPLAYS}/${id}`).expect(200)).body.data.run).toMatchObject({ status: 'succeeded' });
      const verify = await runToEnd(ops, { projection: 'trace_summary' });
      expect(verify).toMatchObject({ mismatch_count: 0, digest_after: done.digest_after });
    } finally {
      runner.afterHorizonWrite = async () => undefined;
      release();
    }
  });

  it('a run whose instance stopped is resumed by another, and fails with a reason after too many stops', async () => {
    const { ops } = await seeded();
    const id = (await ops.post(REPLAYS, { projection: 'trace_summary', reason: 'x' }).expect(202)).body.data.run.job_id;
    await runner.drain('instance-a', 1);
    await prisma.$executeRaw`UPDATE dg_replay_runs SET lease_until = now() - interval '1 second' WHERE job_id = ${id}`;
    await runner.drain('instance-b');
    const resumed = (await ops.get(`${REPLAYS}/${id}`).expect(200)).body.data.run;
    expect(resumed).toMatchObject({ status: 'succeeded', events_processed: 7, mismatch_count: 0 });

    const id2 = (await ops.post(REPLAYS, { projection: 'precedents', reason: 'x' }).expect(202)).body.data.run.job_id;
    await prisma.$executeRaw`UPDATE dg_replay_runs SET status = 'running', attempts = 5, lease_until = now() - interval '1 second' WHERE job_id = ${id2}`;
    await runner.drain('instance-c');
    const failed = (await ops.get(`${REPLAYS}/${id2}`).expect(200)).body.data.run;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/interrupted 5 times/);
  });

  it('overlapping runs are 409; cancel stops a run; a finished run cannot be cancelled', async () => {
    const { ops } = await seeded();
    const first = (await ops.post(REPLAYS, { projection: 'precedents', reason: 'a' }).expect(202)).body.data.run;
    expect(first).toMatchObject({ status: 'queued', mode: 'verify', events_processed: 0 });
    const clash = await ops.post(REPLAYS, { projection: 'all', reason: 'b' }).expect(409);
    expect(clash.body.error.code).toBe('conflict');
    await ops.post(REPLAYS, { projection: 'precedents', mode: 'rebuild', reason: 'b' }).expect(409);
    await ops.post(REPLAYS, { projection: 'trace_summary', reason: 'c' }).expect(202);
    await runner.drain('instance-a', 1);
    const cancelled = await ops.post(`${REPLAYS}/${first.job_id}/cancel`).expect(200);
    expect(cancelled.body.data.run).toMatchObject({ status: 'cancelled', job_id: first.job_id });
    await runner.drain();
    expect((await ops.get(`${REPLAYS}/${first.job_id}`).expect(200)).body.data.run.status).toBe('cancelled');
    await ops.post(`${REPLAYS}/${first.job_id}/cancel`).expect(404);
    const listed = (await ops.get(`${REPLAYS}?limit=1`).expect(200)).body.data;
    expect(listed.runs).toHaveLength(1);
    const next = (await ops.get(`${REPLAYS}?limit=1&cursor=${listed.next_cursor}`).expect(200)).body.data;
    expect(next.runs[0].job_id).toBe(first.job_id);
    expect(next.next_cursor).toBeNull();
    const byStatus = (await ops.get(`${REPLAYS}?status=cancelled`).expect(200)).body.data.runs;
    expect(byStatus.map((r: { job_id: string }) => r.job_id)).toEqual([first.job_id]);
  });

  it('answers every 400, 403 and 404 of §16', async () => {
    const tenant = uniqueTenant('rpl');
    const ops = apiAs(app, tenant, 'ops-token');
    const bad = async (body: unknown) => (await ops.post(REPLAYS, body).expect(400)).body.error.code;
    expect(await bad({ projection: 'all' })).toBe('invalid_argument');
    expect(await bad({ projection: 'all', reason: '' })).toBe('invalid_argument');
    expect(await bad({ projection: 'all', reason: 'x'.repeat(501) })).toBe('invalid_argument');
    expect(await bad({ reason: 'x' })).toBe('invalid_argument');
    expect(await bad({ projection: 'nope', reason: 'x' })).toBe('invalid_argument');
    expect(await bad({ projection: 'all', reason: 'x', mode: 'replace' })).toBe('invalid_argument');
    expect(await bad({ projection: 'all', reason: 'x', extra: 1 })).toBe('invalid_argument');
    expect(await bad({ projection: 'all', reason: 'x', since_log_seq: -1 })).toBe('invalid_argument');
    expect(await bad({ projection: 'workflow_import', reason: 'x', mode: 'rebuild' })).toBe('invalid_argument');
    await ops.get(`${REPLAYS}?status=done`).expect(400);
    await ops.get(`${REPLAYS}?limit=0`).expect(400);
    await ops.get(`${REPLAYS}?cursor=garbage`).expect(400);

    const rebuildDenied = await apiAs(app, tenant, 'verifier-token')
      .post(REPLAYS, { projection: 'trace_summary', mode: 'rebuild', reason: 'x' })
      .expect(403);
    expect(rebuildDenied.body.error.message).toContain('projection_rebuild');
    const verifyDenied = await apiAs(app, tenant, 'auditor-token')
      .post(REPLAYS, { projection: 'all', reason: 'x' })
      .expect(403);
    expect(verifyDenied.body.error.message).toContain('projection_replay');
    await apiAs(app, tenant, 'auditor-token')
      .post(REPLAYS, { projection: 'all', reason: 'x', mode: 'catch_up' })
      .expect(403);
    await apiAs(app, tenant, 'writer-token').get(REPLAYS).expect(403);
    await apiAs(app, tenant, 'reader-token').post(REPLAYS, { projection: 'all', reason: 'x' }).expect(403);
    await apiAs(app, tenant, 'reader-token').get('/api/v1/projections/health').expect(200);

    const own = (
      await apiAs(app, tenant, 'verifier-token').post(REPLAYS, { projection: 'all', reason: 'x' }).expect(202)
    ).body.data.run;
    const other = apiAs(app, uniqueTenant('rpl'), 'ops-token');
    await other.get(`${REPLAYS}/${own.job_id}`).expect(404);
    await other.post(`${REPLAYS}/${own.job_id}/cancel`).expect(404);
    await ops.get(`${REPLAYS}/rpl_missing`).expect(404);
    await ops.post(`${REPLAYS}/${own.job_id}/cancel`).expect(200);
  });

  it('catch_up is a no-op on current models and writes a missing row back', async () => {
    const { tenant, ops } = await seeded();
    const noop = await runToEnd(ops, { projection: 'all', mode: 'catch_up' });
    expect(noop).toMatchObject({ status: 'succeeded', mismatch_count: 0 });
    const [{ pos }] = await prisma.$queryRaw<{ pos: bigint }[]>`
      SELECT last_log_seq AS pos FROM dg_trace_summaries WHERE tenant_id = ${tenant} AND trace_id = 'trace-open'`;
    await prisma.$executeRaw`DELETE FROM dg_trace_summaries WHERE tenant_id = ${tenant} AND trace_id = 'trace-open'`;
    // since_log_seq: only rows whose last event is above it are written back.
    await runToEnd(ops, { projection: 'trace_summary', mode: 'catch_up', since_log_seq: Number(pos) });
    expect((await runToEnd(ops, { projection: 'trace_summary' })).mismatch_count).toBe(1);
    await runToEnd(ops, { projection: 'trace_summary', mode: 'catch_up', since_log_seq: Number(pos) - 1 });
    expect((await runToEnd(ops, { projection: 'trace_summary' })).mismatch_count).toBe(0);
    await prisma.$executeRaw`DELETE FROM dg_trace_summaries WHERE tenant_id = ${tenant} AND trace_id = 'trace-open'`;
    const fixed = await runToEnd(ops, { projection: 'trace_summary', mode: 'catch_up' });
    expect(fixed.mismatch_count).toBe(1);
    expect((await runToEnd(ops, { projection: 'trace_summary' })).mismatch_count).toBe(0);
  });
});
