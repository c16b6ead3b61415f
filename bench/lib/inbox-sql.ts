// The raw-SQL floor of GET /api/v1/workflows: the one statement the service runs for one inbox
// page — the page and the tenant-wide summary together — built by the service's own function
// (inboxSql of src/workflow/workflow-inbox.repository.ts), so the text and parameters are the
// same, and sent with `pg` in one round trip, as the service sends it.
import type { Client } from 'pg';
import { inboxSql } from '../../src/workflow/workflow-inbox.repository';
import { ms, now } from './harness';

export type InboxFilter = { priority?: string; assignedAccountId?: string; onlyOpen?: boolean };

const PAGE_LIMIT = 13; // the service asks for limit + 1 to know whether there is a next page

type Statement = { text: string; values: unknown[] };

/** The first page with `filter` (by default the open items, as the service's defaults), and the summary. */
export function inboxStatement(tenant: string, filter: InboxFilter, at: Date): Statement {
  const sql = inboxSql(tenant, { onlyOpen: true, onlyOverdue: false, ...filter }, at, undefined, PAGE_LIMIT, {
    accountId: 'dev-reader', // the account of dev-reader-token, whose inbox the benchmark reads
    excludeOwnRequests: true,
  });
  return { text: sql.text, values: sql.values };
}

export type FloorSample = { total: bigint; rows: number; totalCount: number };

/** One inbox page the way the service reads it; nanoseconds. */
export async function rawInbox(db: Client, tenant: string, filter: InboxFilter): Promise<FloorSample> {
  const t0 = now();
  const { rows } = await db.query(inboxStatement(tenant, filter, new Date()));
  const total = now() - t0;
  return {
    total,
    rows: rows.filter((r) => r.workflow_id !== null).length,
    totalCount: Number(rows[0].dg_inbox_summary.total_count),
  };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the statement, for the report. */
export async function explainInbox(db: Client, tenant: string, filter: InboxFilter): Promise<string> {
  const s = inboxStatement(tenant, filter, new Date());
  const t0 = now();
  const { rows } = await db.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, values: s.values });
  return `-- page and summary (${ms(now() - t0).toFixed(1)} ms with EXPLAIN)\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`;
}
