import type { NestExpressApplication } from '@nestjs/platform-express';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { PrismaService } from '../../src/database/prisma.service';
import { act, openException, workflowPath } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

const LONG_WAIT = 30;

/**
 * SPEC §17: a decision wakes every waiter on any replica. Two instances on one PostgreSQL
 * database: the waiter on one, the decision on the other. The backstop poll is set far beyond the
 * wait, so only the database's notification can wake the waiter in time.
 */
describe('decision long poll across instances (PostgreSQL)', () => {
  let waiterApp: NestExpressApplication;
  let deciderApp: NestExpressApplication;
  beforeAll(async () => {
    const env = { ...GENEROUS_LIMITS, DG_CHANGE_POLL_INTERVAL_MS: '60000' };
    waiterApp = await createTestApp({ env });
    deciderApp = await createTestApp({ env });
  });
  afterAll(async () => {
    await closeApp(waiterApp);
    await closeApp(deciderApp);
  });

  it('wakes a waiter on one instance when the item is approved on the other', async () => {
    const tenant = uniqueTenant('xwake');
    const writer = apiAs(waiterApp, tenant, DEV_TOKENS.writer);
    const admin = apiAs(deciderApp, tenant, DEV_TOKENS.admin);
    // Requested as the writer (openException asks as the other account of the pair), decided as the admin.
    const { workflowId } = await openException(apiAs(waiterApp, tenant, DEV_TOKENS.admin), 'xwake');
    const started = Date.now();
    const waiting = writer.get(workflowPath(workflowId, `/decision?wait_seconds=${LONG_WAIT}`)).then((r) => r);
    await sleep(300);
    await act(admin, workflowId, { action: 'approve', reason: 'Approved elsewhere' }).expect(200);
    const res = await waiting;
    expect(Date.now() - started).toBeLessThan(LONG_WAIT * 1000);
    expect(res.body.data).toMatchObject({ status: 'approved', decided: true, decided_by: 'dev-admin' });
  });

  it('wakes again after the listening connection was cut', async () => {
    const tenant = uniqueTenant('xwake-cut');
    const writer = apiAs(waiterApp, tenant, DEV_TOKENS.writer);
    const admin = apiAs(deciderApp, tenant, DEV_TOKENS.admin);
    const { workflowId } = await openException(apiAs(waiterApp, tenant, DEV_TOKENS.admin), 'xwake-cut');
    // Cut every instance's LISTEN connection; each reconnects with backoff.
    const prisma = deciderApp.get(PrismaService);
    await prisma.$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'decisiongraph-listen' AND datname = current_database()`;
    await sleep(1500);
    const started = Date.now();
    const waiting = writer.get(workflowPath(workflowId, `/decision?wait_seconds=${LONG_WAIT}`)).then((r) => r);
    await sleep(300);
    await act(admin, workflowId, { action: 'reject', reason: 'No' }).expect(200);
    const res = await waiting;
    expect(Date.now() - started).toBeLessThan(LONG_WAIT * 1000);
    expect(res.body.data).toMatchObject({ status: 'rejected', decided: true });
  });

  it('wakes waiters while a rolled-back change and an unrelated open transaction hold the stream back', async () => {
    const tenant = uniqueTenant('xwake-gap');
    const writer = apiAs(waiterApp, tenant, DEV_TOKENS.writer);
    const admin = apiAs(waiterApp, tenant, DEV_TOKENS.admin);
    const first = await openException(admin, 'xwake-gap-1');
    const second = await openException(admin, 'xwake-gap-2');
    const waitFor = (workflowId: string) =>
      writer.get(workflowPath(workflowId, `/decision?wait_seconds=${LONG_WAIT}`)).then((r) => r);
    // A transaction that writes nothing the service reads, open throughout (a report, a backup, or
    // another application's work on the same server).
    const unrelated = new Client({ connectionString: process.env.DATABASE_URL });
    await unrelated.connect();
    try {
      await unrelated.query('BEGIN');
      await unrelated.query('SELECT pg_current_xact_id()');
      // A change-stream id taken and rolled back: the stream waits at it until the transactions
      // running when it was seen have ended, the unrelated one included.
      await waiterApp
        .get(PrismaService)
        .$transaction(async (tx) => {
          await tx.$executeRaw`UPDATE dg_workflow_items SET version = version WHERE tenant_id = ${tenant}`;
          throw new Error('roll back');
        })
        .catch(() => undefined);
      const started = Date.now();
      const firstWait = waitFor(first.workflowId);
      const secondWait = waitFor(second.workflowId);
      await sleep(300);
      // The first decision is read past the rolled-back id: the stream is held back from here on.
      await act(admin, first.workflowId, { action: 'approve', reason: 'First' }).expect(200);
      expect((await firstWait).body.data).toMatchObject({ status: 'approved', decided: true });
      await act(admin, second.workflowId, { action: 'approve', reason: 'Second' }).expect(200);
      const res = await secondWait;
      expect(Date.now() - started).toBeLessThan(LONG_WAIT * 1000);
      expect(res.body.data).toMatchObject({ status: 'approved', decided: true });
    } finally {
      await unrelated.query('ROLLBACK');
      await unrelated.end();
    }
  });
});
