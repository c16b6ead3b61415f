import type { NestExpressApplication } from '@nestjs/platform-express';
import { PrismaService } from '../../src/database/prisma.service';
import { InboxSummary, WorkflowInboxRepository } from '../../src/workflow/workflow-inbox.repository';
import { anEvent } from '../factories/events';
import { act, anException, exceptionWorkflowId, overridePhrase } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant } from '../setup/test-app';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Whose awaiting_approval_count the summaries report. */
const READER = { accountId: 'dev-reader', excludeOwnRequests: true };

/** The summary counted the slow way, with COUNT(*) over the tables. */
async function countedSlowly(prisma: PrismaService, tenantId: string, now: Date): Promise<InboxSummary> {
  const [row] = await prisma.$queryRaw<Record<keyof InboxSummary, bigint>[]>`
    SELECT count(*) AS total_count,
      count(*) FILTER (WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated')) AS open_count,
      count(*) FILTER (WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated') AND sla_due_at < ${now}) AS overdue_count,
      count(*) FILTER (WHERE status = 'requested') AS requested_count,
      count(*) FILTER (WHERE status = 'in_review') AS in_review_count,
      count(*) FILTER (WHERE status = 'changes_requested') AS changes_requested_count,
      count(*) FILTER (WHERE status = 'escalated') AS escalated_count,
      count(*) FILTER (WHERE status = 'approved') AS approved_count,
      count(*) FILTER (WHERE status = 'rejected') AS rejected_count,
      count(*) FILTER (WHERE status = 'overridden') AS overridden_count,
      (SELECT count(*) FROM dg_workflow_notifications WHERE tenant_id = ${tenantId}) AS notification_count,
      count(*) FILTER (WHERE status IN ('requested', 'in_review', 'changes_requested', 'escalated')
        AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(approvals) AS v WHERE v->>'account_id' = ${READER.accountId})
        AND requested_by IS DISTINCT FROM ${READER.accountId}) AS awaiting_approval_count
    FROM dg_workflow_items WHERE tenant_id = ${tenantId}`;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as InboxSummary;
}

class Rollback extends Error {}

describe('inbox summary counts kept by triggers (dg_workflow_counts)', () => {
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let inbox: WorkflowInboxRepository;
  const tenants = {
    batch: uniqueTenant('cnta'),
    single: uniqueTenant('cntb'),
    sql: uniqueTenant('cntc'),
    empty: uniqueTenant('cntd'),
  };
  const summaryOf = (tenantId: string, now = new Date()) => inbox.summary(prisma, tenantId, now, READER);
  const counterRows = async (tenantId: string) =>
    Number(
      (
        await prisma.$queryRaw<
          { n: bigint }[]
        >`SELECT count(*) AS n FROM dg_workflow_counts WHERE tenant_id = ${tenantId}`
      )[0].n,
    );

  /**
   * At several instants: overdue_count adds the days before today's (UTC, from
   * dg_workflow_due_counts) to the items due earlier today, so the instants fall on both sides of
   * the items' due times and of day boundaries.
   */
  async function expectCountsAgree(at = new Date()): Promise<void> {
    const today = Math.floor(at.getTime() / DAY) * DAY;
    const instants = [0, -2 * DAY, HOUR, 5 * HOUR, DAY, 40 * DAY].map((d) => new Date(at.getTime() + d));
    instants.push(new Date(today), new Date(today + DAY - 1), new Date(today + DAY), new Date(today + 2 * DAY + 1));
    for (const tenantId of Object.values(tenants)) {
      for (const now of instants) {
        expect({ tenantId, now, ...(await summaryOf(tenantId, now)) }).toEqual({
          tenantId,
          now,
          ...(await countedSlowly(prisma, tenantId, now)),
        });
      }
    }
  }

  beforeAll(async () => {
    app = await createTestApp({
      // This file is about the counting triggers, with one account that asks and decides: a
      // single-account installation, where separation of duties (SPEC §11.3) is turned off. The rule
      // itself is tested in human-control.e2e-spec.ts and oidc.e2e-spec.ts.
      env: { ...GENEROUS_LIMITS, DG_SEPARATION_OF_DUTIES: 'false' },
    });
    prisma = app.get(PrismaService);
    inbox = app.get(WorkflowInboxRepository);

    // Tenant "batch": 16 exceptions of one trace in one batch (one statement per item), a quarter
    // of them requested 5 h ago and so overdue; then actions that move them through every status.
    const batch = apiAs(app, tenants.batch, DEV_TOKENS.admin);
    const events = [
      anEvent('TraceStarted', { trace_id: 'many' }),
      ...Array.from({ length: 16 }, (_, i) =>
        anException(
          'many',
          i + 1,
          { exception_id: `ex-${i}` },
          i % 4 === 0 ? { occurred_at: new Date(Date.now() - 5 * HOUR).toISOString() } : {},
        ),
      ),
    ];
    await batch.post('/api/v1/events/batch', { events }).expect(201);
    const wf = (i: number) => exceptionWorkflowId('many', `ex-${i}`);
    const actions: [number, Record<string, unknown>][] = [
      [1, { action: 'approve', reason: 'ok' }],
      [2, { action: 'reject', reason: 'no' }],
      [3, { action: 'override', reason: 'CFO sign-off', confirm_text: overridePhrase(wf(3)) }],
      [5, { action: 'claim' }],
      [6, { action: 'request_change', reason: 'more evidence' }],
      [7, { action: 'escalate', reason: 'stuck' }],
      [9, { action: 'claim' }],
      [9, { action: 'approve', reason: 'after review' }],
      [10, { action: 'comment', note: 'looking' }],
      [11, { action: 'reassign', assigned_account_id: 'dave' }],
    ];
    for (const [i, body] of actions) await act(batch, wf(i), body).expect(200);

    // Tenant "single": items opened by single events, several at once, then half approved.
    const single = apiAs(app, tenants.single, DEV_TOKENS.admin);
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        await single.post('/api/v1/events', anEvent('TraceStarted', { trace_id: `one-${i}` })).expect(201);
        await single.post('/api/v1/events', anException(`one-${i}`, 1)).expect(201);
      }),
    );
    for (let i = 0; i < 6; i += 2)
      await act(single, exceptionWorkflowId(`one-${i}`), { action: 'approve', reason: 'ok' }).expect(200);
  });
  afterAll(() => closeApp(app));

  it('agree with COUNT(*) after items are created and acted on through the service', async () => {
    await expectCountsAgree();
    expect(await summaryOf(tenants.batch)).toMatchObject({
      total_count: 16,
      approved_count: 2,
      rejected_count: 1,
      overridden_count: 1,
      overdue_count: 4,
    });
    expect(await summaryOf(tenants.single)).toMatchObject({ total_count: 6, open_count: 3, approved_count: 3 });
    expect(await summaryOf(tenants.empty)).toEqual(await countedSlowly(prisma, tenants.empty, new Date()));
    expect(Object.values(await summaryOf(tenants.empty)).every((n) => n === 0)).toBe(true);
  });

  it('agree with COUNT(*) after bulk inserts, updates and deletes in SQL', async () => {
    // A copy of the batch tenant's items and notifications, then multi-row updates and deletes, as a
    // migration or a repair script would write them.
    await prisma.$executeRaw`
      INSERT INTO dg_workflow_items
      SELECT (jsonb_populate_record(i, jsonb_build_object('tenant_id', ${tenants.sql}::text))).* FROM dg_workflow_items i WHERE tenant_id = ${tenants.batch}`;
    await prisma.$executeRaw`
      INSERT INTO dg_workflow_notifications (tenant_id, notification_id, workflow_id, category, channel, dedupe_key, recipient_account_id,
        recipient_role, message, payload, created_at)
      SELECT ${tenants.sql}, notification_id, workflow_id, category, channel, dedupe_key, recipient_account_id, recipient_role, message, payload, created_at
      FROM dg_workflow_notifications WHERE tenant_id = ${tenants.batch}`;
    await expectCountsAgree();
    // Statuses moved in bulk, including rows whose status does not change and updates of other columns.
    await prisma.$executeRaw`UPDATE dg_workflow_items SET status = 'approved' WHERE tenant_id = ${tenants.sql} AND status IN ('requested', 'approved')`;
    await prisma.$executeRaw`UPDATE dg_workflow_items SET title = title || ' (copy)' WHERE tenant_id = ${tenants.sql}`;
    await prisma.$executeRaw`UPDATE dg_workflow_items SET status = 'escalated', sla_due_at = now() - interval '1 hour' WHERE tenant_id = ${tenants.sql} AND status = 'in_review'`;
    await prisma.$executeRaw`DELETE FROM dg_workflow_items WHERE tenant_id = ${tenants.sql} AND status = 'rejected'`;
    await prisma.$executeRaw`DELETE FROM dg_workflow_notifications WHERE tenant_id = ${tenants.sql} AND category = 'assignment' AND workflow_id LIKE '%ex-1%'`;
    await expectCountsAgree();
    expect(await summaryOf(tenants.sql)).toMatchObject({ total_count: 15, rejected_count: 0, requested_count: 0 });
  });

  it('leave no trace of a write that is rolled back', async () => {
    const before = await summaryOf(tenants.single);
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$executeRaw`UPDATE dg_workflow_items SET status = 'rejected' WHERE tenant_id = ${tenants.single}`;
        await tx.$executeRaw`DELETE FROM dg_workflow_notifications WHERE tenant_id = ${tenants.single}`;
        expect(await inbox.summary(tx, tenants.single, new Date(), READER)).toMatchObject({
          total_count: 6,
          rejected_count: 6,
          open_count: 0,
          notification_count: 0,
        });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(await summaryOf(tenants.single)).toEqual(before);
  });

  it('fold a tenant’s rows into one without changing its counts', async () => {
    const before = await summaryOf(tenants.batch);
    // Two more rows that change nothing, so that there is something to fold whatever folds ran before.
    for (let i = 0; i < 2; i++) {
      await prisma.$executeRaw`
        INSERT INTO dg_workflow_counts (tenant_id, items, requested, in_review, changes_requested, escalated, approved, rejected, overridden, notifications)
        VALUES (${tenants.batch}, 0, 0, 0, 0, 0, 0, 0, 0, 0)`;
    }
    expect(await counterRows(tenants.batch)).toBeGreaterThanOrEqual(3);
    await prisma.$executeRaw`SELECT dg_workflow_counts_compact(${tenants.batch})`;
    expect(await counterRows(tenants.batch)).toBe(1);
    expect(await summaryOf(tenants.batch)).toEqual(before);
    await expectCountsAgree();
  });

  it('fold a tenant’s due-day rows into one per day without changing its counts', async () => {
    const dueRows = async () =>
      (
        await prisma.$queryRaw<{ rows: bigint; days: bigint }[]>`
          SELECT (SELECT count(*) FROM dg_workflow_due_counts WHERE tenant_id = ${tenants.sql}) AS rows,
            (SELECT count(*) FROM (SELECT 1 FROM dg_workflow_due_counts WHERE tenant_id = ${tenants.sql}
              GROUP BY due_day HAVING sum(n) <> 0) AS d) AS days`
      ).map((r) => ({ rows: Number(r.rows), days: Number(r.days) }))[0];
    const before = await summaryOf(tenants.sql);
    // A day that sums to zero (+1, −1), which the fold drops, and a change row on a day with items.
    // Earlier writes may or may not have been folded already (one write in 64 folds), so these four
    // rows are the only ones the test can count on.
    const [{ day }] = await prisma.$queryRaw<{ day: number }[]>`
      SELECT due_day AS day FROM dg_workflow_due_counts WHERE tenant_id = ${tenants.sql} LIMIT 1`;
    await prisma.$executeRaw`INSERT INTO dg_workflow_due_counts (tenant_id, due_day, n)
      VALUES (${tenants.sql}, 7, 1), (${tenants.sql}, 7, -1), (${tenants.sql}, ${day}, 1), (${tenants.sql}, ${day}, -1)`;
    const { rows, days } = await dueRows();
    expect(rows).toBeGreaterThanOrEqual(days + 4);
    await prisma.$executeRaw`SELECT dg_workflow_due_counts_compact(${tenants.sql})`;
    expect(await dueRows()).toEqual({ rows: days, days });
    expect(await summaryOf(tenants.sql)).toEqual(before);
    await expectCountsAgree();
  });

  it('take back what a TRUNCATE removed, table by table', async () => {
    const before = await summaryOf(tenants.batch);
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$executeRaw`TRUNCATE dg_workflow_items`;
        const zeroItems = Object.fromEntries(
          Object.keys(before).map((k) => [k, k === 'notification_count' ? before.notification_count : 0]),
        );
        expect(await inbox.summary(tx, tenants.batch, new Date(), READER)).toEqual(zeroItems);
        await tx.$executeRaw`TRUNCATE dg_workflow_notifications`;
        expect(Object.values(await inbox.summary(tx, tenants.batch, new Date(), READER)).every((n) => n === 0)).toBe(
          true,
        );
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(await summaryOf(tenants.batch)).toEqual(before);
  });
});
