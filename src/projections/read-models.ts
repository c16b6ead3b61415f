import { Prisma } from '../generated/prisma/client';
import { OPEN_STATUSES_SQL } from '../workflow/workflow-inbox.repository';
import { LOG_FOLDS, type LogFold } from './projection-folds';

/**
 * The registry of read models (SPEC §16): every table or counter kept only to answer reads faster,
 * with how its live rows read for a comparison (`k`, `key`, `row` as the fold writes it, and `pos`,
 * the log position the row was last written at) and whether a rebuild may replace it.
 *
 * - `trace_summary` — dg_trace_summaries, folded by advanceTrace (the append planner's function).
 * - `precedents` — dg_precedents, one row per indexed event of a finished trace.
 * - `workflow_import` — the event-derived part of dg_workflow_items and the imported actions of
 *   dg_workflow_actions; verified, never rebuilt (items also hold state the log does not).
 * - `inbox_counts` — dg_workflow_counts and dg_workflow_due_counts, the inbox summary's counters
 *   (the second the open items per due day, `open_due_days`); derived from the workflow tables
 *   (not the log), by the triggers that keep them; verified and rebuilt from those tables.
 *
 * Not read models: dg_workflow_runtime (the workflow layer's cursor in the log, §6.2) and
 * dg_change_stream (a retention-bounded feed, §17) are positions and feeds, not answers to reads.
 */
export const READ_MODELS = ['trace_summary', 'precedents', 'workflow_import', 'inbox_counts'] as const;
export type ReadModelName = (typeof READ_MODELS)[number];

export const REBUILDABLE: readonly ReadModelName[] = ['trace_summary', 'precedents', 'inbox_counts'];

/** Models a replay folds from the log, and their folds. */
export const FOLDS: Partial<Record<ReadModelName, LogFold<unknown>>> = Object.fromEntries(
  LOG_FOLDS.map((f) => [f.name, f as LogFold<unknown>]),
);

export function isReadModel(name: string): name is ReadModelName {
  return (READ_MODELS as readonly string[]).includes(name);
}

/** The models a run over `projection` covers, for a mode (`all` rebuilds only those that can be). */
export function modelsOf(projection: string, mode: string): ReadModelName[] {
  if (projection !== 'all') return [projection as ReadModelName];
  if (mode === 'verify') return [...READ_MODELS];
  return READ_MODELS.filter((m) => REBUILDABLE.includes(m));
}

const SEP = Prisma.sql`chr(31)`;

/**
 * The advisory lock class under which dg_workflow_counts_compact() folds a tenant's counter rows
 * (migration 20261126005857_inbox_counts). Writers only insert delta rows and only try this lock,
 * so a rebuild that holds it exclusively replaces the tenant's rows in one statement without
 * waiting for any writer, and no fold can sum rows the rebuild is replacing.
 */
export const COUNTS_COMPACT_LOCK_CLASS = 1684494179;

/**
 * A table a model's live rows come from: its key columns (a prefix of an index after tenant_id),
 * and how a row reads for a comparison — `k` as the fold writes it, `key`, `row`, and `pos`, the
 * log position the row was last written at.
 */
export type LiveBranch = {
  model: ReadModelName;
  table: string;
  keyColumns: string[];
  select: Prisma.Sql;
  where: Prisma.Sql;
};

const branch = (
  model: ReadModelName,
  table: string,
  keyColumns: string[],
  select: Prisma.Sql,
  where = Prisma.sql`TRUE`,
) => ({
  model,
  table,
  keyColumns,
  select,
  where,
});

export const LIVE_BRANCHES: Record<Exclude<ReadModelName, 'inbox_counts'>, LiveBranch[]> = {
  trace_summary: [
    branch(
      'trace_summary',
      'dg_trace_summaries',
      ['trace_id'],
      Prisma.sql`trace_id AS k, jsonb_build_object('trace_id', trace_id) AS key,
        jsonb_build_object('trace_id', trace_id, 'workflow', workflow, 'title', title,
          'primary_entity_type', primary_entity_type, 'primary_entity_system', primary_entity_system,
          'primary_entity_id', primary_entity_id, 'started_at', dg_iso(started_at), 'finished_at', dg_iso(finished_at),
          'outcome', outcome, 'event_count', event_count, 'last_log_seq', last_log_seq,
          'last_trace_seq', last_trace_seq, 'last_event_hash', last_event_hash) AS row,
        last_log_seq AS pos`,
    ),
  ],
  precedents: [
    branch(
      'precedents',
      'dg_precedents',
      ['trace_id', 'event_id'],
      Prisma.sql`trace_id || ${SEP} || event_id AS k,
        jsonb_build_object('trace_id', trace_id, 'event_id', event_id) AS key,
        jsonb_build_object('trace_id', trace_id, 'event_id', event_id, 'event_type', event_type, 'workflow', workflow,
          'title', title, 'entity_type', entity_type, 'entity_id', entity_id, 'policy_id', policy_id,
          'policy_version', policy_version, 'outcome', outcome, 'finished_at', dg_iso(finished_at),
          'log_seq', log_seq, 'finished_log_seq', finished_log_seq) AS row,
        finished_log_seq AS pos`,
    ),
  ],
  workflow_import: [
    branch(
      'workflow_import',
      'dg_workflow_items',
      ['workflow_id'],
      Prisma.sql`'item' || ${SEP} || workflow_id AS k, jsonb_build_object('workflow_id', workflow_id) AS key,
        jsonb_build_object('workflow_id', workflow_id, 'workflow_kind', workflow_kind, 'subject_type', subject_type,
          'subject_id', subject_id, 'created_from_event_id', created_from_event_id,
          'requested_at', dg_iso(requested_at), 'priority', priority, 'reason', metadata->'reason') AS row,
        last_source_log_seq AS pos`,
    ),
    branch(
      'workflow_import',
      'dg_workflow_actions',
      ['action_id'],
      Prisma.sql`'action' || ${SEP} || action_id AS k, jsonb_build_object('action_id', action_id) AS key,
        jsonb_build_object('action_id', action_id, 'source_event_id', source_event_id, 'workflow_id', workflow_id,
          'action_type', action_type) AS row,
        (payload->>'log_seq')::bigint AS pos`,
      Prisma.sql`source_event_id IS NOT NULL`,
    ),
  ],
};

/** The tenant's live rows of a model: (k, key, row, pos). */
export function liveRowsSql(model: ReadModelName, tenantId: string): Prisma.Sql {
  if (model === 'inbox_counts')
    return Prisma.sql`SELECT 'counts' AS k, jsonb_build_object('tenant_id', ${tenantId}::text) AS key,
        jsonb_build_object('items', coalesce(sum(items), 0), 'requested', coalesce(sum(requested), 0),
          'in_review', coalesce(sum(in_review), 0), 'changes_requested', coalesce(sum(changes_requested), 0),
          'escalated', coalesce(sum(escalated), 0), 'approved', coalesce(sum(approved), 0),
          'rejected', coalesce(sum(rejected), 0), 'overridden', coalesce(sum(overridden), 0),
          'notifications', coalesce(sum(notifications), 0), 'open_due_days', ${liveDueDaysSql(tenantId)}) AS row,
        0::bigint AS pos
        FROM dg_workflow_counts WHERE tenant_id = ${tenantId}`;
  return Prisma.join(
    LIVE_BRANCHES[model].map(
      (b) => Prisma.sql`SELECT ${b.select} FROM ${Prisma.raw(b.table)} WHERE tenant_id = ${tenantId} AND ${b.where}`,
    ),
    ' UNION ALL ',
  );
}

/**
 * A keyset page of a model's shadow rows in key order (`k`, byte order: the shadow's primary key),
 * each with the live row at its key — found by the key columns its `key` names, through the live
 * table's primary key, one index look-up per row. `same` says the live row equals the shadow row
 * (jsonb equality); the live row itself is sent only when it does not (`live_row`), with
 * `present` and the live row's `pos`.
 */
export function shadowPageSql(
  model: Exclude<ReadModelName, 'inbox_counts'>,
  tenantId: string,
  jobId: string,
  after: string,
  limit: number,
  keys: string[] | null = null,
): Prisma.Sql {
  const live = liveAtShadowKey(model, tenantId);
  return Prisma.sql`SELECT s.k, s.key, s.row, l.k IS NOT NULL AS present, coalesce(l.row = s.row, false) AS same,
      CASE WHEN l.row = s.row THEN NULL ELSE l.row END AS live_row, l.pos
    FROM (SELECT k, key, row FROM dg_projection_shadow
      WHERE job_id = ${jobId} AND projection_name = ${model} AND k > ${after} AND row IS NOT NULL
        AND ${onlyKeys(keys)}
      ORDER BY k LIMIT ${limit}) s
    LEFT JOIN LATERAL (SELECT x.k, x.row, x.pos FROM (${live}) x WHERE x.k = s.k LIMIT 1) l ON TRUE
    ORDER BY s.k`;
}

/** `k = ANY(keys)`, or TRUE without keys. */
function onlyKeys(keys: string[] | null): Prisma.Sql {
  return keys === null ? Prisma.sql`TRUE` : Prisma.sql`k = ANY(${keys}::text[])`;
}

/**
 * Which live rows by their position (`pos`, the log position a row was last written at):
 * `atOrBelow` — rows not written above that position (null: all rows); `above` — only rows written
 * above it (by appends since a rebuild's horizon).
 */
export type LiveRange = { atOrBelow: bigint | null } | { above: bigint };

function inRange(pos: Prisma.Sql, range: LiveRange): Prisma.Sql {
  if ('above' in range) return Prisma.sql`${pos} > ${range.above}::bigint`;
  return Prisma.sql`(${range.atOrBelow}::bigint IS NULL OR ${pos} IS NULL OR ${pos} <= ${range.atOrBelow}::bigint)`;
}

/** The keys (`k`) of a model's live rows written above `horizon`: a filter over the tenant's rows. */
export function liveKeysAboveSql(
  model: Exclude<ReadModelName, 'inbox_counts'>,
  tenantId: string,
  horizon: bigint,
): Prisma.Sql {
  return Prisma.sql`SELECT x.k FROM (${liveRowsSql(model, tenantId)}) x WHERE x.pos > ${horizon}::bigint`;
}

/**
 * The branch's live rows the run's shadow does not have (rows the log does not give), of the
 * positions `range` names (a verify leaves out rows written above its horizon by appends): with
 * `limit`, the first `limit` of them in the order of the branch's key columns (the table's own
 * index and collation); without, their count (`n`). One anti-join over the table, linear.
 */
export function liveExtrasSql(
  b: LiveBranch,
  tenantId: string,
  jobId: string,
  range: LiveRange,
  limit: number | null,
): Prisma.Sql {
  const keyValues = Prisma.raw(b.keyColumns.map((c, i) => `${c} AS c${i}`).join(', '));
  const extras = Prisma.sql`FROM (SELECT ${b.select}, ${keyValues} FROM ${Prisma.raw(b.table)}
      WHERE tenant_id = ${tenantId} AND ${b.where}) l
    WHERE NOT EXISTS (SELECT 1 FROM dg_projection_shadow s
        WHERE s.job_id = ${jobId} AND s.projection_name = ${b.model} AND s.k = l.k AND s.row IS NOT NULL)
      AND ${inRange(Prisma.sql`l.pos`, range)}`;
  if (limit === null) return Prisma.sql`SELECT count(*) AS n ${extras}`;
  const order = Prisma.raw(b.keyColumns.map((_, i) => `c${i}`).join(', '));
  return Prisma.sql`SELECT l.* ${extras} ORDER BY ${order} LIMIT ${limit}`;
}

/** inbox_counts as its sources say: the tenant's items by status and its notifications. */
export function expectedCountsSql(tenantId: string): Prisma.Sql {
  return Prisma.sql`SELECT 'counts' AS k, jsonb_build_object('tenant_id', ${tenantId}::text) AS key,
    jsonb_build_object('items', (SELECT count(*) FROM dg_workflow_items WHERE tenant_id = ${tenantId}),
      'requested', count(*) FILTER (WHERE status = 'requested'), 'in_review', count(*) FILTER (WHERE status = 'in_review'),
      'changes_requested', count(*) FILTER (WHERE status = 'changes_requested'),
      'escalated', count(*) FILTER (WHERE status = 'escalated'), 'approved', count(*) FILTER (WHERE status = 'approved'),
      'rejected', count(*) FILTER (WHERE status = 'rejected'), 'overridden', count(*) FILTER (WHERE status = 'overridden'),
      'notifications', (SELECT count(*) FROM dg_workflow_notifications WHERE tenant_id = ${tenantId}),
      'open_due_days', ${expectedDueDaysSql(tenantId)}) AS row
    FROM dg_workflow_items WHERE tenant_id = ${tenantId}`;
}

/** The tenant's open items per due day as dg_workflow_due_counts sums them: {"<day>": n}, days with none left out. */
function liveDueDaysSql(tenantId: string): Prisma.Sql {
  return Prisma.sql`(SELECT coalesce(jsonb_object_agg(due_day, n), '{}'::jsonb) FROM (
    SELECT due_day, sum(n) AS n FROM dg_workflow_due_counts WHERE tenant_id = ${tenantId}
    GROUP BY due_day HAVING sum(n) <> 0) AS d)`;
}

/** The same from the items: the open ones by the UTC day of sla_due_at (dg_due_day, days since 1970-01-01). */
function expectedDueDaysSql(tenantId: string): Prisma.Sql {
  return Prisma.sql`(SELECT coalesce(jsonb_object_agg(due_day, n), '{}'::jsonb) FROM (
    SELECT dg_due_day(sla_due_at) AS due_day, count(*) AS n FROM dg_workflow_items
    WHERE tenant_id = ${tenantId} AND status IN ${OPEN_STATUSES_SQL} GROUP BY 1) AS d)`;
}

/** The live row at a shadow row's key (`s.key`), through the live table's primary key. */
function liveAtShadowKey(model: Exclude<ReadModelName, 'inbox_counts'>, tenantId: string): Prisma.Sql {
  return Prisma.join(
    LIVE_BRANCHES[model].map(
      (b) => Prisma.sql`SELECT ${b.select} FROM ${Prisma.raw(b.table)} WHERE tenant_id = ${tenantId} AND ${b.where}
        AND ${Prisma.join(
          b.keyColumns.map((c) => Prisma.sql`${Prisma.raw(c)} = s.key->>${c}`),
          ' AND ',
        )}`,
    ),
    ' UNION ALL ',
  );
}

/**
 * Writes one keyset page of a model's shadow rows (after `after`, in key order) into its live
 * table: with `exact` (rebuild) every row that differs from the live row at its key; without it
 * (catch_up) only rows that are missing or behind the log, and of those only rows whose last event
 * is above `sinceLogSeq` (the run's since_log_seq). `scope.keys` limits the page to those keys;
 * `scope.horizon` writes only where the live row is missing or was last written at or below it
 * — checked again on the row's latest version by ON CONFLICT … WHERE, so that an append's newer
 * row is never overwritten by a rebuild writing outside the feed key. Answers the page's last key
 * (`last`, null when the page is empty) and its size (`n`). Rows the log does not have:
 * deleteExtrasSql.
 */
export function applyShadowPageSql(
  model: 'trace_summary' | 'precedents',
  tenantId: string,
  jobId: string,
  exact: boolean,
  sinceLogSeq: bigint | null,
  after: string,
  limit: number,
  scope: { keys?: string[] | null; horizon?: bigint | null } = {},
): Prisma.Sql {
  const shadow = Prisma.sql`SELECT k, key, row FROM dg_projection_shadow
    WHERE job_id = ${jobId} AND projection_name = ${model} AND k > ${after} AND row IS NOT NULL
      AND ${onlyKeys(scope.keys ?? null)} ORDER BY k LIMIT ${limit}`;
  const live = liveAtShadowKey(model, tenantId);
  const posColumn = model === 'trace_summary' ? 'last_log_seq' : 'finished_log_seq';
  const pos = Prisma.sql`(s.row->>${posColumn})::bigint`;
  const horizon = scope.horizon ?? null;
  const notNewer =
    horizon === null
      ? Prisma.sql`TRUE`
      : Prisma.sql`NOT EXISTS (SELECT 1 FROM (${live}) x WHERE x.k = s.k AND x.pos > ${horizon}::bigint)`;
  const changed = exact
    ? Prisma.sql`NOT EXISTS (SELECT 1 FROM (${live}) x WHERE x.k = s.k AND x.row = s.row) AND ${notNewer}`
    : Prisma.sql`${pos} > ${sinceLogSeq ?? 0n}::bigint AND NOT EXISTS (SELECT 1 FROM (${live}) x WHERE x.k = s.k AND x.pos >= ${pos})`;
  const guard = (table: string) =>
    horizon === null
      ? Prisma.empty
      : Prisma.sql` WHERE ${inRange(Prisma.raw(`${table}.${posColumn}`), { atOrBelow: horizon })}`;
  const put =
    model === 'trace_summary'
      ? Prisma.sql`
        INSERT INTO dg_trace_summaries (tenant_id, trace_id, workflow, title, primary_entity_type, primary_entity_system,
          primary_entity_id, started_at, finished_at, outcome, event_count, last_log_seq, last_trace_seq, last_event_hash)
        SELECT ${tenantId}, r.trace_id, r.workflow, r.title, r.primary_entity_type, r.primary_entity_system,
          r.primary_entity_id, r.started_at, r.finished_at, r.outcome, r.event_count, r.last_log_seq, r.last_trace_seq,
          r.last_event_hash
        FROM s CROSS JOIN LATERAL jsonb_to_record(s.row) AS r(trace_id text, workflow text, title text,
          primary_entity_type text, primary_entity_system text, primary_entity_id text, started_at timestamptz,
          finished_at timestamptz, outcome text, event_count int, last_log_seq bigint, last_trace_seq int,
          last_event_hash text)
        WHERE ${changed}
        ON CONFLICT (tenant_id, trace_id) DO UPDATE SET
          workflow = EXCLUDED.workflow, title = EXCLUDED.title, primary_entity_type = EXCLUDED.primary_entity_type,
          primary_entity_system = EXCLUDED.primary_entity_system, primary_entity_id = EXCLUDED.primary_entity_id,
          started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, outcome = EXCLUDED.outcome,
          event_count = EXCLUDED.event_count, last_log_seq = EXCLUDED.last_log_seq,
          last_trace_seq = EXCLUDED.last_trace_seq, last_event_hash = EXCLUDED.last_event_hash${guard('dg_trace_summaries')}`
      : Prisma.sql`
        INSERT INTO dg_precedents (tenant_id, trace_id, event_id, event_type, workflow, title, entity_type, entity_id,
          policy_id, policy_version, outcome, finished_at, log_seq, finished_log_seq)
        SELECT ${tenantId}, r.trace_id, r.event_id, r.event_type, r.workflow, r.title, r.entity_type, r.entity_id,
          r.policy_id, r.policy_version, r.outcome, r.finished_at, r.log_seq, r.finished_log_seq
        FROM s CROSS JOIN LATERAL jsonb_to_record(s.row) AS r(trace_id text, event_id text, event_type text, workflow text,
          title text, entity_type text, entity_id text, policy_id text, policy_version text, outcome text,
          finished_at timestamptz, log_seq bigint, finished_log_seq bigint)
        WHERE ${changed}
        ON CONFLICT (tenant_id, trace_id, event_id) DO UPDATE SET
          event_type = EXCLUDED.event_type, workflow = EXCLUDED.workflow, title = EXCLUDED.title,
          entity_type = EXCLUDED.entity_type, entity_id = EXCLUDED.entity_id, policy_id = EXCLUDED.policy_id,
          policy_version = EXCLUDED.policy_version, outcome = EXCLUDED.outcome, finished_at = EXCLUDED.finished_at,
          log_seq = EXCLUDED.log_seq, finished_log_seq = EXCLUDED.finished_log_seq${guard('dg_precedents')}`;
  return Prisma.sql`WITH s AS MATERIALIZED (${shadow}), put AS (${put} RETURNING 1)
    SELECT (SELECT max(k) FROM s) AS last, (SELECT count(*) FROM s) AS n, (SELECT count(*) FROM put) AS changed`;
}

/**
 * Deletes a model's live rows that the run's shadow does not have (rebuild), of the positions
 * `range` names: one anti-join. The position is checked again on the row's latest version.
 */
export function deleteExtrasSql(
  model: 'trace_summary' | 'precedents',
  tenantId: string,
  jobId: string,
  range: LiveRange = { atOrBelow: null },
): Prisma.Sql {
  const [b] = LIVE_BRANCHES[model];
  const k = model === 'trace_summary' ? Prisma.sql`t.trace_id` : Prisma.sql`t.trace_id || ${SEP} || t.event_id`;
  const pos = Prisma.raw(model === 'trace_summary' ? 't.last_log_seq' : 't.finished_log_seq');
  return Prisma.sql`DELETE FROM ${Prisma.raw(b.table)} t WHERE t.tenant_id = ${tenantId} AND ${inRange(pos, range)}
    AND NOT EXISTS (SELECT 1 FROM dg_projection_shadow s
      WHERE s.job_id = ${jobId} AND s.projection_name = ${model} AND s.k = ${k} AND s.row IS NOT NULL)`;
}

/** Replaces the tenant's rows of dg_workflow_due_counts by one per day with open items, from the items. */
export function rebuildDueCountsSql(tenantId: string): Prisma.Sql {
  return Prisma.sql`WITH gone AS (DELETE FROM dg_workflow_due_counts WHERE tenant_id = ${tenantId} RETURNING 1)
    INSERT INTO dg_workflow_due_counts (tenant_id, due_day, n)
    SELECT ${tenantId}, dg_due_day(sla_due_at), count(*) FROM dg_workflow_items
    WHERE tenant_id = ${tenantId} AND status IN ${OPEN_STATUSES_SQL} AND (SELECT count(*) FROM gone) >= 0
    GROUP BY 2`;
}

/** Replaces the tenant's counter rows by one row of the counts its sources give. */
export function rebuildCountsSql(tenantId: string): Prisma.Sql {
  return Prisma.sql`WITH gone AS (DELETE FROM dg_workflow_counts WHERE tenant_id = ${tenantId} RETURNING 1),
    e AS (${expectedCountsSql(tenantId)})
    INSERT INTO dg_workflow_counts (tenant_id, items, requested, in_review, changes_requested, escalated, approved,
      rejected, overridden, notifications)
    SELECT ${tenantId}, (row->>'items')::bigint, (row->>'requested')::bigint, (row->>'in_review')::bigint,
      (row->>'changes_requested')::bigint, (row->>'escalated')::bigint, (row->>'approved')::bigint,
      (row->>'rejected')::bigint, (row->>'overridden')::bigint, (row->>'notifications')::bigint
    FROM e WHERE (SELECT count(*) FROM gone) >= 0`;
}
