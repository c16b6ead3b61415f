import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import { openException } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { SseConnection } from '../setup/sse-client';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

/**
 * With nobody listening, the change feed moves past new entries without reading them, but only
 * when none is missing below the newest (ChangeFeedService.readAll): an entry of a transaction
 * still running must reach the first stream that opens. The backstop poll is a minute away, so the
 * only reads are the ones a new stream makes.
 */
describe('change feed with nobody listening (PostgreSQL)', () => {
  let app: NestExpressApplication;
  let baseUrl: string;
  beforeAll(async () => {
    app = await createTestApp({ env: { ...GENEROUS_LIMITS, DG_CHANGE_POLL_INTERVAL_MS: '60000' } });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await closeApp(app);
  });

  it('does not move past an entry whose transaction is still running', async () => {
    const tenant = uniqueTenant('feed-idle');
    const admin = apiAs(app, tenant, DEV_TOKENS.admin);
    const held = new Client({ connectionString: process.env.DATABASE_URL });
    await held.connect();
    let stream: SseConnection | undefined;
    try {
      // An entry whose id is taken now and committed later, below the ids of the changes after it.
      await held.query('BEGIN');
      await held.query(
        `INSERT INTO dg_change_stream (tenant_id, kind, workflow_id, status, version, updated_at)
         VALUES ($1, 'workflow.changed', 'wf-held', 'requested', 1, now())`,
        [tenant],
      );
      const later = await openException(admin, 'feed-idle-later');
      // Nobody listens: this stream's subscription is the feed's first read since those changes.
      stream = await SseConnection.open(`${baseUrl}/api/v1/stream`, {
        'x-tenant-id': tenant,
        authorization: `Bearer ${DEV_TOKENS.reader}`,
      });
      await held.query(`SELECT pg_notify('dg_change_stream', '')`);
      await held.query('COMMIT');
      await stream.until((c) => c.events.some((e) => e.data.workflow_id === 'wf-held'));
      // The changes after it reach the stream too, after it: the stream is in id order.
      await stream.until((c) => c.events.some((e) => e.data.workflow_id === later.workflowId));
      const ids = stream.events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    } finally {
      stream?.close();
      await held.query('ROLLBACK').catch(() => undefined);
      await held.end();
    }
  });
});
