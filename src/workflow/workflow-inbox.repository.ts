import { Injectable } from '@nestjs/common';
import type { DriverTransactionsService } from '../database/driver-transactions.service';
import type { Db } from '../database/prisma.service';
import { sqlTextList } from '../database/sql-literals';
import { Prisma } from '../generated/prisma/client';
import type { WorkflowItem } from './workflow-item';
import { toItem } from './workflow-item.repository';
import { isOpenStatus, isPriority, OPEN_STATUSES, PRIORITY_RANK } from './workflow-status';

export type InboxFilter = {
  status?: string;
  priority?: string;
  workflowKind?: string;
  assignedAccountId?: string;
  assignedRole?: string;
  traceId?: string;
  onlyOpen: boolean;
  onlyOverdue: boolean;
  /** SPEC §11.4 `awaiting_my_approval`: open items that need this voter's vote. */
  awaitingApprovalOf?: Voter;
};

/** A principal as the quorum sees it: who it is, and whether its own requests are out of its reach (§11.3). */
export type Voter = { accountId: string; excludeOwnRequests: boolean };

/** Position in the inbox order: overdue-open first (0), then priority rank, requested_at, workflow_id. */
export type InboxPosition = { o: number; p: number; r: number; w: string };

export type InboxSummary = Record<
  | 'total_count'
  | 'open_count'
  | 'overdue_count'
  | 'requested_count'
  | 'in_review_count'
  | 'changes_requested_count'
  | 'escalated_count'
  | 'approved_count'
  | 'rejected_count'
  | 'overridden_count'
  | 'notification_count'
  | 'awaiting_approval_count',
  number
>;

/**
 * The open statuses as literals, not parameters: the partial indexes of the inbox are `WHERE status IN
 * (…)` with this list, and PostgreSQL uses a partial index only where it can prove its predicate
 * from the query as planned (a generic plan sees parameters as unknowns).
 */
export const OPEN_STATUSES_SQL = sqlTextList(OPEN_STATUSES);

/** The open items of a dg_workflow_counts row: its counter columns are named after the statuses. */
export const OPEN_COUNT_SQL = Prisma.raw(OPEN_STATUSES.join(' + '));

type PageRow = Parameters<typeof toItem>[0] & { overdue_rank: number };

/** The column of inboxSql's rows that holds the summary, as a JSON object. */
const SUMMARY_COLUMN = 'dg_inbox_summary';

/** The reviewer inbox (SPEC §6.4): keyset pagination over the inbox order, tenant-wide summary. */
@Injectable()
export class WorkflowInboxRepository {
  async summary(db: Db, tenantId: string, now: Date, voter: Voter): Promise<InboxSummary> {
    const [row] = await db.$queryRaw<Record<keyof InboxSummary, bigint>[]>(inboxSummarySql(tenantId, now, voter));
    return toSummary(row);
  }

  /** A page (inboxPageSql) and the summary in one statement: one round trip, both from one snapshot. */
  async pageWithSummary(
    db: DriverTransactionsService,
    tenantId: string,
    filter: InboxFilter,
    now: Date,
    after: InboxPosition | undefined,
    limit: number,
    voter: Voter,
  ): Promise<{ items: PageItem[]; summary: InboxSummary }> {
    const rows = await db.read<PageRow & { [SUMMARY_COLUMN]: Record<keyof InboxSummary, number> }>(
      inboxSql(tenantId, filter, now, after, limit, voter),
    );
    return {
      // The summary's row alone (all page columns null) when the page is empty.
      items: rows.filter((row) => row.workflow_id !== null).map(pageItem),
      summary: toSummary(rows[0][SUMMARY_COLUMN]),
    };
  }
}

/** An item of a page and its position in the inbox order (the next page's cursor). */
export type PageItem = { item: WorkflowItem; position: InboxPosition };

function pageItem(row: PageRow): PageItem {
  return {
    item: toItem(row),
    position: { o: row.overdue_rank, p: row.priority_rank, r: row.requested_at.getTime(), w: row.workflow_id },
  };
}

function toSummary(row: Record<keyof InboxSummary, bigint | number>): InboxSummary {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as InboxSummary;
}

/**
 * The summary and one page in one statement: the summary's single row, left-joined to the page's
 * rows (so the summary comes back when the page is empty), the summary as one JSON column so
 * that its names never meet an item column's. Ordered again outside: a join keeps no order.
 */
export function inboxSql(
  tenantId: string,
  filter: InboxFilter,
  now: Date,
  after: InboxPosition | undefined,
  limit: number,
  voter: Voter,
): Prisma.Sql {
  const summary = Prisma.sql`SELECT to_jsonb(s) AS ${Prisma.raw(SUMMARY_COLUMN)} FROM (${inboxSummarySql(tenantId, now, voter)}) AS s`;
  const page = inboxPageSql(tenantId, filter, now, after, limit);
  if (!page) return summary;
  return Prisma.sql`SELECT to_jsonb(s) AS ${Prisma.raw(SUMMARY_COLUMN)}, p.*
    FROM (${inboxSummarySql(tenantId, now, voter)}) AS s LEFT JOIN (${page}) AS p ON true
    ORDER BY p.overdue_rank, p.priority_rank, p.requested_at, p.workflow_id`;
}

/**
 * One page in inbox order, or undefined when the cursor is past every row the filter can match.
 *
 * The first sort key (overdue or not) depends on `now`, so no index holds rows in inbox order. The
 * statement reads the overdue rows (rank 0) and the others (rank 1) in two branches instead, each
 * in (priority_rank, requested_at, workflow_id) order with its own LIMIT, which the partial indexes
 * over the open items (and, for only_open=false, the inbox-order index over all items) answer by
 * walking them in order and stopping after a page; `UNION ALL` and a final sort of at most
 * 2 × limit rows give the page. The cursor's keyset applies to the branch
 * it stopped in; a branch wholly before the cursor is left out. Filters the indexes do not cover
 * (a status, a kind, a role) are still correct, at the cost of reading the rows they match.
 */
export function inboxPageSql(
  tenantId: string,
  filter: InboxFilter,
  now: Date,
  after: InboxPosition | undefined,
  limit: number,
): Prisma.Sql | undefined {
  const conditions = [Prisma.sql`tenant_id = ${tenantId}`, ...filterConditions(filter)];
  const [overdue, notOverdue] = rankConditions(filter, now);
  const branches = [
    branch(0, conditions, overdue, after, limit),
    branch(1, conditions, notOverdue, after, limit),
  ].filter((b) => b !== undefined);
  if (branches.length < 2) return branches[0];
  return Prisma.sql`SELECT * FROM (${Prisma.join(branches, ' UNION ALL ')}) AS page
    ORDER BY overdue_rank, priority_rank, requested_at, workflow_id LIMIT ${limit}`;
}

/** The conditions of the overdue rank and of the other one; undefined for a rank the filter rules out. */
function rankConditions(filter: InboxFilter, now: Date): [Prisma.Sql[] | undefined, Prisma.Sql[] | undefined] {
  const due = Prisma.sql`sla_due_at < ${now}`;
  if (filter.status !== undefined && !isOpenStatus(filter.status)) return [undefined, []]; // a closed item is never overdue
  if (filter.onlyOverdue) return [[due], undefined];
  if (filter.onlyOpen || filter.status !== undefined) return [[due], [Prisma.sql`sla_due_at >= ${now}`]];
  return [
    [Prisma.sql`status IN ${OPEN_STATUSES_SQL}`, due],
    [Prisma.sql`NOT (status IN ${OPEN_STATUSES_SQL} AND ${due})`],
  ];
}

/**
 * The rows of one overdue rank (`ofRank`: its conditions, undefined when the filter rules the rank out)
 * in inbox order: all of them when the cursor is before the rank, none when it is past it.
 */
function branch(
  rank: 0 | 1,
  conditions: Prisma.Sql[],
  ofRank: Prisma.Sql[] | undefined,
  after: InboxPosition | undefined,
  limit: number,
): Prisma.Sql | undefined {
  if (!ofRank || (after && after.o > rank)) return undefined;
  const keyset =
    after?.o === rank
      ? [Prisma.sql`(priority_rank, requested_at, workflow_id) > (${after.p}, ${new Date(after.r)}, ${after.w})`]
      : [];
  return Prisma.sql`(SELECT *, ${Prisma.raw(String(rank))} AS overdue_rank FROM dg_workflow_items
    WHERE ${Prisma.join([...conditions, ...ofRank, ...keyset], ' AND ')}
    ORDER BY priority_rank, requested_at, workflow_id LIMIT ${limit})`;
}

/**
 * The tenant-wide summary: the status and notification counts are sums over the tenant's rows of
 * dg_workflow_counts (kept by triggers, see the schema), overdue_count from dg_workflow_due_counts
 * and today's overdue items (overdueCountSql). awaiting_approval_count is the open count less the
 * open items the voter has voted on or (under §11.3) requested, which the partial GIN index on
 * approvals and the (tenant_id, requested_by) index of the open items find: its cost follows the
 * voter's own votes and requests, where counting the items that await the vote read every open
 * item.
 */
export function inboxSummarySql(tenantId: string, now: Date, voter: Voter): Prisma.Sql {
  return Prisma.sql`
    SELECT coalesce(sum(items), 0) AS total_count,
      coalesce(sum(${OPEN_COUNT_SQL}), 0) AS open_count,
      ${overdueCountSql(tenantId, now)} AS overdue_count,
      coalesce(sum(requested), 0) AS requested_count,
      coalesce(sum(in_review), 0) AS in_review_count,
      coalesce(sum(changes_requested), 0) AS changes_requested_count,
      coalesce(sum(escalated), 0) AS escalated_count,
      coalesce(sum(approved), 0) AS approved_count,
      coalesce(sum(rejected), 0) AS rejected_count,
      coalesce(sum(overridden), 0) AS overridden_count,
      coalesce(sum(notifications), 0) AS notification_count,
      coalesce(sum(${OPEN_COUNT_SQL}), 0)
        - (SELECT count(*) FROM dg_workflow_items WHERE tenant_id = ${tenantId} AND status IN ${OPEN_STATUSES_SQL}
          AND ${outOfVotersQueue(voter)}) AS awaiting_approval_count
    FROM dg_workflow_counts WHERE tenant_id = ${tenantId}`;
}

const DAY_MS = 86_400_000;

/**
 * The open items due before `now`: the open items of the days before today (UTC), summed from
 * dg_workflow_due_counts (kept by triggers, migration 20261208002829_inbox_due_counts), and those
 * due earlier today, an index-only count over the partial (tenant_id, sla_due_at) index of the
 * open items. The cost follows the tenant's days with open items and today's overdue items, where
 * counting every overdue item read 20,000 index entries per page at 1M items (bench/README.md).
 * `tenantId` is a value, or an SQL expression (a column of the enclosing query).
 */
export function overdueCountSql(tenantId: string | Prisma.Sql, now: Date): Prisma.Sql {
  const today = Math.floor(now.getTime() / DAY_MS);
  return Prisma.sql`((SELECT coalesce(sum(n), 0) FROM dg_workflow_due_counts WHERE tenant_id = ${tenantId} AND due_day < ${today}::int)
      + (SELECT count(*) FROM dg_workflow_items WHERE tenant_id = ${tenantId} AND status IN ${OPEN_STATUSES_SQL}
        AND sla_due_at >= ${new Date(today * DAY_MS)} AND sla_due_at < ${now}))::bigint`;
}

/** The negation of awaitingVote on an open item: the voter has voted on it, or (under §11.3) requested it. */
function outOfVotersQueue(voter: Voter): Prisma.Sql {
  const voted = Prisma.sql`approvals @> ${votedBy(voter)}`;
  if (!voter.excludeOwnRequests) return voted;
  return Prisma.sql`(${voted} OR requested_by = ${voter.accountId})`;
}

/** The containment pattern of a vote by the voter in `approvals`. */
function votedBy(voter: Voter): Prisma.Sql {
  return Prisma.sql`jsonb_build_array(jsonb_build_object('account_id', ${voter.accountId}::text))`;
}

/** An item still needs the voter's vote: it has not voted, and (under §11.3) did not request it. */
function awaitingVote(voter: Voter): Prisma.Sql {
  const notVoted = Prisma.sql`NOT approvals @> ${votedBy(voter)}`;
  if (!voter.excludeOwnRequests) return notVoted;
  return Prisma.sql`${notVoted} AND requested_by IS DISTINCT FROM ${voter.accountId}`;
}

function filterConditions(f: InboxFilter): Prisma.Sql[] {
  const c: Prisma.Sql[] = [];
  if (f.status) c.push(Prisma.sql`status = ${f.status}`);
  if (f.priority) {
    c.push(Prisma.sql`priority = ${f.priority}`);
    // Implied by the priority (items store its rank), and lets the indexes seek to it.
    if (isPriority(f.priority)) c.push(Prisma.sql`priority_rank = ${PRIORITY_RANK[f.priority]}`);
  }
  if (f.workflowKind) c.push(Prisma.sql`workflow_kind = ${f.workflowKind}`);
  if (f.assignedAccountId) c.push(Prisma.sql`assigned_account_id = ${f.assignedAccountId}`);
  if (f.assignedRole) c.push(Prisma.sql`assigned_role = ${f.assignedRole}`);
  if (f.traceId) c.push(Prisma.sql`trace_id = ${f.traceId}`);
  if (f.onlyOpen || f.onlyOverdue || f.awaitingApprovalOf) c.push(Prisma.sql`status IN ${OPEN_STATUSES_SQL}`);
  if (f.awaitingApprovalOf) c.push(awaitingVote(f.awaitingApprovalOf));
  return c;
}
