// The raw-SQL floor of GET /api/v1/workflows: the three statements the service runs for one inbox
// page (src/workflow/workflow-inbox.repository.ts page() and summary(), and the notification count
// of src/notifications/notification.repository.ts), one after another as the service awaits them,
// sent with `pg` as plain parameterised statements like the service's driver sends them.
import type { Client } from 'pg';
import { ms, now } from './harness';

export type InboxFilter = { priority?: string; assignedAccountId?: string };

const OPEN = ['requested', 'in_review', 'changes_requested', 'escalated'];
const PAGE_LIMIT = 13; // the service asks for limit + 1 to know whether there is a next page

type Statement = { text: string; values: unknown[] };

/** Numbers the placeholders of the text pieces `$` in order, like Prisma.sql does. */
function statement(pieces: (string | { v: unknown })[]): Statement {
  const values: unknown[] = [];
  const text = pieces.map((p) => (typeof p === 'string' ? p : `$${values.push(p.v)}`)).join('');
  return { text, values };
}

const openList = () => OPEN.flatMap((s, i) => (i ? [', ', { v: s }] : [{ v: s }]));

export function pageStatement(tenant: string, filter: InboxFilter, at: Date): Statement {
  const overdueRank = ['(CASE WHEN status IN (', ...openList(), ') AND sla_due_at < ', { v: at }, ' THEN 0 ELSE 1 END)'];
  return statement([
    'SELECT *, ', ...overdueRank, ' AS overdue_rank FROM dg_workflow_items WHERE tenant_id = ', { v: tenant },
    ...(filter.priority ? [' AND priority = ', { v: filter.priority }] : []),
    ...(filter.assignedAccountId ? [' AND assigned_account_id = ', { v: filter.assignedAccountId }] : []),
    ' AND status IN (', ...openList(), ')',
    ' ORDER BY overdue_rank, priority_rank, requested_at, workflow_id LIMIT ', { v: PAGE_LIMIT },
  ]);
}

export function summaryStatement(tenant: string, at: Date): Statement {
  const byStatus = ['requested', 'in_review', 'changes_requested', 'escalated', 'approved', 'rejected', 'overridden'].flatMap((s) => [
    ', count(*) FILTER (WHERE status = ', { v: s }, `) AS ${s}_count`,
  ]);
  return statement([
    'SELECT count(*) AS total_count, count(*) FILTER (WHERE status IN (', ...openList(), ')) AS open_count',
    ', count(*) FILTER (WHERE status IN (', ...openList(), ') AND sla_due_at < ', { v: at }, ') AS overdue_count',
    ...byStatus,
    ' FROM dg_workflow_items WHERE tenant_id = ', { v: tenant },
  ]);
}

export function notificationCountStatement(tenant: string): Statement {
  return statement(['SELECT count(*) FROM dg_workflow_notifications WHERE tenant_id = ', { v: tenant }]);
}

export type FloorSample = { total: bigint; page: bigint; summary: bigint; notifications: bigint; rows: number; totalCount: number };

/** One inbox page the way the service reads it, statement by statement; nanoseconds each. */
export async function rawInbox(db: Client, tenant: string, filter: InboxFilter): Promise<FloorSample> {
  const at = new Date();
  const t0 = now();
  const page = await db.query(pageStatement(tenant, filter, at));
  const t1 = now();
  const summary = await db.query(summaryStatement(tenant, at));
  const t2 = now();
  await db.query(notificationCountStatement(tenant));
  const t3 = now();
  return { total: t3 - t0, page: t1 - t0, summary: t2 - t1, notifications: t3 - t2, rows: page.rowCount ?? 0, totalCount: Number(summary.rows[0].total_count) };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the three statements, for the report. */
export async function explainInbox(db: Client, tenant: string, filter: InboxFilter): Promise<string> {
  const at = new Date();
  const parts: string[] = [];
  for (const [name, s] of [
    ['page', pageStatement(tenant, filter, at)],
    ['summary', summaryStatement(tenant, at)],
    ['notification count', notificationCountStatement(tenant)],
  ] as const) {
    const t0 = now();
    const { rows } = await db.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, values: s.values });
    parts.push(`-- ${name} (${ms(now() - t0).toFixed(1)} ms with EXPLAIN)\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  }
  return parts.join('\n\n');
}
