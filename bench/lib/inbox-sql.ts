// The raw-SQL floor of GET /api/v1/workflows: the two statements the service runs for one inbox
// page — the page and the tenant-wide summary — built by the service's own functions
// (inboxPageSql and inboxSummarySql of src/workflow/workflow-inbox.repository.ts), so the text and
// parameters are the same, and sent with `pg` one after the other, as the service awaits them.
import type { Client } from 'pg';
import { inboxPageSql, inboxSummarySql } from '../../src/workflow/workflow-inbox.repository';
import { ms, now } from './harness';

export type InboxFilter = { priority?: string; assignedAccountId?: string };

const PAGE_LIMIT = 13; // the service asks for limit + 1 to know whether there is a next page

type Statement = { text: string; values: unknown[] };

/** The first page of the open items (the service's defaults) with `filter`. */
export function pageStatement(tenant: string, filter: InboxFilter, at: Date): Statement {
  const sql = inboxPageSql(tenant, { ...filter, onlyOpen: true, onlyOverdue: false }, at, undefined, PAGE_LIMIT);
  if (!sql) throw new Error('a first page always has a statement');
  return { text: sql.text, values: sql.values };
}

export function summaryStatement(tenant: string, at: Date): Statement {
  const sql = inboxSummarySql(tenant, at, { accountId: 'bench-reader', excludeOwnRequests: true });
  return { text: sql.text, values: sql.values };
}

export type FloorSample = { total: bigint; page: bigint; summary: bigint; rows: number; totalCount: number };

/** One inbox page the way the service reads it, statement by statement; nanoseconds each. */
export async function rawInbox(db: Client, tenant: string, filter: InboxFilter): Promise<FloorSample> {
  const at = new Date();
  const t0 = now();
  const page = await db.query(pageStatement(tenant, filter, at));
  const t1 = now();
  const summary = await db.query(summaryStatement(tenant, at));
  const t2 = now();
  return {
    total: t2 - t0,
    page: t1 - t0,
    summary: t2 - t1,
    rows: page.rowCount ?? 0,
    totalCount: Number(summary.rows[0].total_count),
  };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the two statements, for the report. */
export async function explainInbox(db: Client, tenant: string, filter: InboxFilter): Promise<string> {
  const at = new Date();
  const parts: string[] = [];
  for (const [name, s] of [
    ['page', pageStatement(tenant, filter, at)],
    ['summary', summaryStatement(tenant, at)],
  ] as const) {
    const t0 = now();
    const { rows } = await db.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, values: s.values });
    parts.push(
      `-- ${name} (${ms(now() - t0).toFixed(1)} ms with EXPLAIN)\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`,
    );
  }
  return parts.join('\n\n');
}
