import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import { ReplayRunnerService } from '../../src/projections/replay-runner.service';
import { anEvent } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

const REPLAYS = '/api/v1/admin/replays';

/**
 * SPEC §16: a rebuild writes the rows up to its horizon without holding back appends; only its
 * last step — the events appended since the horizon, under the tenant's feed key, not a table
 * lock — holds back its own tenant's appends, not another's; it ends equal to the log with the
 * appends it held back applied after it.
 */
describe('a rebuild swapping a tenant in', () => {
  let app: NestExpressApplication;
  let holder: Client;
  // pg_stat_activity is read once per transaction: the polls run on a client of their own.
  let watcher: Client;

  beforeAll(async () => {
    app = await createTestApp({ env: { ...GENEROUS_LIMITS, DG_REPLAY_WORKER_ENABLED: 'false' } });
  });
  afterAll(() => closeApp(app));
  beforeEach(async () => {
    holder = new Client({ connectionString: process.env.DATABASE_URL });
    watcher = new Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    await watcher.connect();
  });
  afterEach(async () => {
    app.get(ReplayRunnerService).afterHorizonWrite = async () => undefined;
    await holder.end();
    await watcher.end();
  });

  /** A write of the rebuild waiting for a row of dg_trace_summaries (held by `holder`). */
  const REBUILD_WAITS = `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
    AND query LIKE '%dg_trace_summaries%' AND query NOT LIKE '%pg_stat_activity%'`;

  it("holds back that tenant's appends during the tail, not another's, and loses none", async () => {
    const [a, b] = [uniqueTenant('bar-a'), uniqueTenant('bar-b')];
    const apiA = apiAs(app, a, DEV_TOKENS.admin);
    const apiB = apiAs(app, b, DEV_TOKENS.admin);
    await apiA.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'ta' })).expect(201);
    await apiB.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'tb' })).expect(201);
    await holder.query(`UPDATE dg_trace_summaries SET title = 'tampered' WHERE tenant_id = $1`, [a]);

    // Once the rows up to the horizon are written: an append since the horizon, its summary
    // changed by hand and held locked by another transaction, so that the rebuild's last step
    // stops on it while it holds A's feed key.
    const runner = app.get(ReplayRunnerService);
    runner.afterHorizonWrite = async () => {
      await apiA.post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 'ta', trace_seq: 1 })).expect(201);
      await holder.query(`UPDATE dg_trace_summaries SET title = 'tampered again' WHERE tenant_id = $1`, [a]);
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM dg_trace_summaries WHERE tenant_id = $1 FOR UPDATE`, [a]);
    };
    const created = await apiA.post(REPLAYS, { mode: 'rebuild', projection: 'trace_summary', reason: 'test' });
    expect(created.status).toBe(202);
    const rebuilt = runner.drain();
    await waitFor(watcher, REBUILD_WAITS);

    // B appends while A's rebuild holds A's key; A's append waits for the swap.
    await apiB.post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 'tb', trace_seq: 1 })).expect(201);
    let appendedA = false;
    const pendingA = apiA
      .post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 'ta', trace_seq: 2 }))
      .then((r) => {
        appendedA = true;
        return r;
      });
    await waitFor(
      watcher,
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 4711 AND NOT granted
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(appendedA).toBe(false);

    await holder.query('ROLLBACK');
    await rebuilt;
    expect((await pendingA).status).toBe(201);
    const [{ event_count, title }] = (
      await watcher.query(
        `SELECT event_count, title FROM dg_trace_summaries WHERE tenant_id = $1 AND trace_id = 'ta'`,
        [a],
      )
    ).rows;
    expect(event_count).toBe(3);
    expect(title).not.toMatch(/tampered/);
    // The row as it was at the horizon, then as the append since left it: two mismatches.
    const run = (await apiA.get(REPLAYS).expect(200)).body.data.runs[0];
    expect(run).toMatchObject({ status: 'succeeded', mode: 'rebuild', mismatch_count: 2 });
    await expectVerifiedClean(app, apiA);
  });

  it('writes the rows up to its horizon while the same tenant appends, and ends equal to the log', async () => {
    const t = uniqueTenant('bar-w');
    const api = apiAs(app, t, DEV_TOKENS.admin);
    for (const trace of ['t1', 't2', 't3'])
      await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: trace })).expect(201);
    // Two summaries changed by hand before the rebuild; one of them held locked by another
    // transaction, so that the rebuild's write at the horizon stops on it.
    await holder.query(`UPDATE dg_trace_summaries SET title = 'tampered' WHERE tenant_id = $1 AND trace_id <> 't3'`, [
      t,
    ]);
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM dg_trace_summaries WHERE tenant_id = $1 AND trace_id = 't1' FOR UPDATE`, [t]);

    await api.post(REPLAYS, { mode: 'rebuild', projection: 'all', reason: 'test' }).expect(202);
    let swapping = false;
    const runner = app.get(ReplayRunnerService);
    runner.afterHorizonWrite = async () => {
      swapping = true;
    };
    const rebuilt = runner.drain();
    await waitFor(watcher, REBUILD_WAITS);

    // The same tenant's appends commit while the rebuild writes: onto a row it does not write
    // (t3, correct) and a new trace.
    const appended = await api.post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 't3', trace_seq: 1 }));
    expect(appended.status).toBe(201);
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 't4' })).expect(201);
    expect(swapping).toBe(false);
    expect((await watcher.query(REBUILD_WAITS)).rowCount).toBeGreaterThan(0);

    await holder.query('ROLLBACK');
    await rebuilt;
    expect(swapping).toBe(true);
    const rows = (
      await watcher.query(
        `SELECT trace_id, title, event_count FROM dg_trace_summaries WHERE tenant_id = $1 ORDER BY trace_id`,
        [t],
      )
    ).rows;
    expect(rows.map((r) => [r.trace_id, r.event_count])).toEqual([
      ['t1', 1],
      ['t2', 1],
      ['t3', 2],
      ['t4', 1],
    ]);
    expect(rows.filter((r) => /tampered/.test(r.title ?? ''))).toEqual([]);
    const run = (await api.get(REPLAYS).expect(200)).body.data.runs[0];
    expect(run).toMatchObject({ status: 'succeeded', mode: 'rebuild', mismatch_count: 2 });
    expect(run.mismatches.map((m: { key: unknown }) => m.key)).toEqual([{ trace_id: 't1' }, { trace_id: 't2' }]);
    await expectVerifiedClean(app, api);
  });
});

/** A verify of every model right after finds nothing. */
async function expectVerifiedClean(app: NestExpressApplication, api: ReturnType<typeof apiAs>): Promise<void> {
  const created = await api.post(REPLAYS, { mode: 'verify', projection: 'all', reason: 'test' }).expect(202);
  await app.get(ReplayRunnerService).drain();
  const verified = (await api.get(`${REPLAYS}/${created.body.data.run.job_id}`).expect(200)).body.data.run;
  expect(verified).toMatchObject({ status: 'succeeded', mismatch_count: 0 });
}

/** Polls until the query returns a row (another session reached the awaited state). */
async function waitFor(client: Client, query: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await client.query(query)).rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for: ${query}`);
}
