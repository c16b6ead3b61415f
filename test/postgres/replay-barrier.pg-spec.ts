import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import { ReplayRunnerService } from '../../src/projections/replay-runner.service';
import { anEvent } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

const REPLAYS = '/api/v1/admin/replays';

/**
 * SPEC §16: a rebuild's swap holds back its own tenant's appends only (the tenant's feed key, not a
 * table lock), and ends equal to the log with the appends it held back applied after it.
 */
describe('a rebuild swapping a tenant in', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp({ env: { ...GENEROUS_LIMITS, DG_REPLAY_WORKER_ENABLED: 'false' } });
  });
  afterAll(() => closeApp(app));

  it("holds back that tenant's appends, not another's, and loses none", async () => {
    const [a, b] = [uniqueTenant('bar-a'), uniqueTenant('bar-b')];
    const apiA = apiAs(app, a, DEV_TOKENS.admin);
    const apiB = apiAs(app, b, DEV_TOKENS.admin);
    await apiA.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'ta' })).expect(201);
    await apiB.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'tb' })).expect(201);

    // A summary of A changed by hand and held locked by another transaction: the rebuild's swap
    // stops on it while it holds A's feed key.
    const holder = new Client({ connectionString: process.env.DATABASE_URL });
    // pg_stat_activity is read once per transaction: the polls run on a client of their own.
    const watcher = new Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    await watcher.connect();
    try {
      await holder.query(`UPDATE dg_trace_summaries SET title = 'tampered' WHERE tenant_id = $1`, [a]);
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM dg_trace_summaries WHERE tenant_id = $1 FOR UPDATE`, [a]);
      const created = await apiA.post(REPLAYS, { mode: 'rebuild', projection: 'trace_summary', reason: 'test' });
      expect(created.status).toBe(202);
      const rebuilt = app.get(ReplayRunnerService).drain();
      await waitFor(
        watcher,
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%dg_trace_summaries%'
        AND query NOT LIKE '%pg_stat_activity%'`,
      );

      // B appends while A's rebuild holds A's key; A's append waits for the swap.
      await apiB.post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 'tb', trace_seq: 1 })).expect(201);
      let appendedA = false;
      const pendingA = apiA
        .post('/api/v1/events', anEvent('PolicyEvaluated', { trace_id: 'ta', trace_seq: 1 }))
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
      const [{ event_count }] = (
        await watcher.query(`SELECT event_count FROM dg_trace_summaries WHERE tenant_id = $1 AND trace_id = 'ta'`, [a])
      ).rows;
      expect(event_count).toBe(2);
    } finally {
      await holder.end();
      await watcher.end();
    }
    const run = (await apiA.get(REPLAYS).expect(200)).body.data.runs[0];
    expect(run).toMatchObject({ status: 'succeeded', mode: 'rebuild', mismatch_count: 1 });
    const verify = await apiA.post(REPLAYS, { mode: 'verify', projection: 'all', reason: 'test' }).expect(202);
    await app.get(ReplayRunnerService).drain();
    const verified = (await apiA.get(`${REPLAYS}/${verify.body.data.run.job_id}`).expect(200)).body.data.run;
    expect(verified).toMatchObject({ status: 'succeeded', mismatch_count: 0 });
  });
});

/** Polls until the query returns a row (another session reached the awaited state). */
async function waitFor(client: Client, query: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await client.query(query)).rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for: ${query}`);
}
