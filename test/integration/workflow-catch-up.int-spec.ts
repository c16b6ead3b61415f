import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaService } from '../../src/database/prisma.service';
import { anExternalApproval, detailOf, exceptionWorkflowId, openException, openReview } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, uniqueTenant } from '../setup/test-app';

const WORKFLOW_EVENTS = `('ExceptionRequested', 'ApprovalRecorded', 'WorkflowReviewRequested')`;

/** The tenant's cursor (its greatest dg_workflow_runtime row) and the greatest log_seq of its workflow events. */
async function cursorAndLog(
  app: NestExpressApplication,
  tenant: string,
): Promise<{ cursor: number | null; log: number | null }> {
  const [row] = await app.get(PrismaService).$queryRawUnsafe<{ cursor: bigint | null; log: bigint | null }[]>(
    `SELECT (SELECT max(last_applied_log_seq) FROM dg_workflow_runtime WHERE tenant_id = $1) AS cursor,
            (SELECT max(log_seq) FROM dg_event_log WHERE tenant_id = $1 AND event_type IN ${WORKFLOW_EVENTS}) AS log`,
    tenant,
  );
  return { cursor: row.cursor === null ? null : Number(row.cursor), log: row.log === null ? null : Number(row.log) };
}

// SPEC §6.2: at start-up the workflow layer applies the events above each tenant's cursor — e.g.
// appended by an older version that did not apply them — before the service reports ready, and
// applies none twice. The app restarts on the same database: the embedded one in a directory of
// its own, or the test PostgreSQL database. Three starts, each migrating a fresh embedded
// database the first time: the time limit is that of the other restart tests.
describe('workflow catch-up at start-up (SPEC §6.2)', () => {
  let dir: string | undefined;
  let env: Record<string, string>;
  let app: NestExpressApplication | undefined;
  const restart = async () => {
    await closeApp(app);
    app = undefined;
    app = await createTestApp({ env });
    return app;
  };
  beforeAll(() => {
    const embedded = !/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
    dir = embedded ? mkdtempSync(join(tmpdir(), 'dg-catch-up-')) : undefined;
    env = { ...GENEROUS_LIMITS, ...(dir ? { DATABASE_URL: `pglite:${join(dir, 'pgdata')}` } : {}) };
  });
  afterEach(() => closeApp(app));
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('applies workflow events appended without being applied before it is ready, and none twice on the next start', async () => {
    const tenant = uniqueTenant('catch-up');
    let api = apiAs(await restart(), tenant);
    const exception = await openException(api, 'old-exception');
    await api.post('/api/v1/events', anExternalApproval('old-exception', exception.nextSeq, 'approved')).expect(201);
    // Due in a century: on the shared PostgreSQL database another test's app may sweep this
    // tenant with its clock hours ahead, and must find nothing to escalate.
    const review = await openReview(api, 'old-review', { sla_hours: 876_000 });
    const before = await cursorAndLog(app as NestExpressApplication, tenant);
    expect(before.cursor).toBe(before.log);
    const categories = async () =>
      (await api.get('/api/v1/notifications').expect(200)).body.data.notifications
        .map((n: { category: string }) => n.category)
        .sort();
    const notified = await categories();
    expect(notified).toEqual(['approval', 'assignment', 'assignment']);

    // Forget what the workflow layer made of the events, as if a version without it had appended them.
    const prisma = (app as NestExpressApplication).get(PrismaService);
    for (const table of [
      'dg_workflow_notifications',
      'dg_workflow_actions',
      'dg_workflow_items',
      'dg_workflow_runtime',
    ]) {
      await prisma.$executeRawUnsafe(`DELETE FROM ${table} WHERE tenant_id = $1`, tenant);
    }
    expect((await api.get('/api/v1/workflows').expect(200)).body.data.items).toEqual([]);

    api = apiAs(await restart(), tenant);
    const decided = await detailOf(api, exceptionWorkflowId('old-exception'));
    expect(decided.workflow).toMatchObject({ status: 'approved', current_decision: 'approved' });
    expect(decided.actions.map((a: { action_type: string }) => a.action_type)).toEqual([
      'requested',
      'approval_recorded',
    ]);
    expect(decided.notifications.map((n: { category: string }) => n.category).sort()).toEqual([
      'approval',
      'assignment',
    ]);
    const reviewed = await detailOf(api, review.workflowId);
    expect(reviewed.workflow).toMatchObject({ status: 'requested', workflow_kind: 'incident_review' });
    expect(await categories()).toEqual(notified);
    expect(await cursorAndLog(app as NestExpressApplication, tenant)).toEqual(before);

    api = apiAs(await restart(), tenant);
    expect((await detailOf(api, exceptionWorkflowId('old-exception'))).actions).toHaveLength(2);
    expect((await detailOf(api, review.workflowId)).actions).toHaveLength(1);
    expect(await categories()).toEqual(notified);
  }, 120_000);

  it('starts even when the log holds two events that spell one workflow id from two traces: the later is left unapplied', async () => {
    const tenant = uniqueTenant('catch-up');
    let api = apiAs(await restart(), tenant);
    const prisma = () => (app as NestExpressApplication).get(PrismaService);
    const forget = async () => {
      for (const table of [
        'dg_workflow_notifications',
        'dg_workflow_actions',
        'dg_workflow_items',
        'dg_workflow_runtime',
      ]) {
        await prisma().$executeRawUnsafe(`DELETE FROM ${table} WHERE tenant_id = $1`, tenant);
      }
    };
    // Both events in the log, as a version without the trace check could append them.
    await openException(api, 'a', { exception_id: 'b:exception:c' });
    await forget();
    await openException(api, 'a:exception:b', { exception_id: 'c' });
    await forget();

    api = apiAs(await restart(), tenant);
    const detail = await detailOf(api, 'a:exception:b:exception:c');
    expect(detail.workflow.trace_id).toBe('a');
    expect(detail.actions).toHaveLength(1);
  }, 120_000);
});
