import { Injectable } from '@nestjs/common';
import { ComposedWrite, type StatementPart } from '../database/composed-write';
import { queryRows, type SqlDb } from '../database/driver-tx';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import { newNotificationsCte } from '../notifications/notification.repository';
import { newActionsCte } from './workflow-action.repository';
import type { WorkflowChanges } from './workflow-changes';
import type { WorkflowItem } from './workflow-item';
import { runtimeAdvanceCte } from './workflow-runtime.repository';
import { PRIORITY_RANK, type Priority, type WorkflowStatus } from './workflow-status';

type ItemRow = Omit<
  WorkflowItem,
  'status' | 'requested_by_actor' | 'metadata' | 'last_source_log_seq' | 'approvals' | 'sla_policy'
> & {
  sla_policy: unknown;
  status: string;
  priority_rank: number;
  requested_by_actor: unknown;
  metadata: unknown;
  approvals: unknown;
  last_source_log_seq: bigint;
};

/** dg_workflow_items. Every method takes the tenant first; ids of other tenants are never seen. */
@Injectable()
export class WorkflowItemRepository {
  async find(db: Db, tenantId: string, workflowId: string): Promise<WorkflowItem | undefined> {
    const row = await db.workflowItem.findUnique({
      where: { tenant_id_workflow_id: { tenant_id: tenantId, workflow_id: workflowId } },
    });
    return row ? toItem(row) : undefined;
  }

  /** Locks the item row for the rest of the transaction (take the trace lock first: lock order). */
  async findForUpdate(db: Db, tenantId: string, workflowId: string): Promise<WorkflowItem | undefined> {
    const rows = await db.$queryRaw<ItemRow[]>`
      SELECT * FROM dg_workflow_items WHERE tenant_id = ${tenantId} AND workflow_id = ${workflowId} FOR UPDATE`;
    return rows[0] ? toItem(rows[0]) : undefined;
  }

  async findByTrace(db: Db, tenantId: string, traceId: string): Promise<WorkflowItem[]> {
    const rows = await db.workflowItem.findMany({
      where: { tenant_id: tenantId, trace_id: traceId },
      orderBy: { requested_at: 'asc' },
    });
    return rows.map(toItem);
  }

  /**
   * The import's one read (SPEC §6.2): which of the imported action ids exist already, and the
   * target items, locked in workflow_id order for the rest of the transaction (take the trace locks
   * first: lock order). Each key is one probe of a primary key (a LATERAL subquery with LIMIT 1,
   * which the planner cannot turn into a join): the driver's named statement runs on a generic
   * plan, and the `= ANY (ARRAY(…))` form this replaces got one that read all of the tenant's rows
   * (bench/README.md, "Workflow").
   */
  async readForImport(
    db: SqlDb,
    tenantId: string,
    keys: { actionIds: string[]; workflowIds: string[] },
  ): Promise<ImportRead> {
    type Row = { applied: string[]; items: Record<string, unknown>[] };
    const [row] = await queryRows<Row>(
      db,
      'dg_workflow_import_read',
      Prisma.sql`
      WITH locked AS (
        SELECT i.* FROM json_array_elements_text(${JSON.stringify([...keys.workflowIds].sort())}::json) AS w(id)
        CROSS JOIN LATERAL (
          SELECT * FROM dg_workflow_items x WHERE x.tenant_id = ${tenantId} AND x.workflow_id = w.id LIMIT 1 FOR UPDATE
        ) AS i
      )
      SELECT
        (SELECT coalesce(json_agg(a.action_id), '[]') FROM json_array_elements_text(${JSON.stringify(keys.actionIds)}::json) AS k(id)
         CROSS JOIN LATERAL (
           SELECT x.action_id FROM dg_workflow_actions x WHERE x.tenant_id = ${tenantId} AND x.action_id = k.id LIMIT 1
         ) AS a) AS applied,
        (SELECT coalesce(json_agg(l), '[]') FROM locked l) AS items`,
    );
    return {
      applied: new Set(row.applied),
      items: new Map(row.items.map((i) => [i.workflow_id as string, itemFromJson(i)])),
    };
  }

  /**
   * Writes a tenant's changes in one statement: the items (inserted or replaced), their new actions,
   * the new notifications with their webhook outbox rows, and the import's cursor. The counting
   * triggers on items and notifications see these writes as they would separate ones. On the
   * driver the statement is named after the parts it has, each of which has a fixed text.
   */
  async saveChanges(db: SqlDb, tenantId: string, changes: WorkflowChanges, now: Date): Promise<void> {
    await new ComposedWrite('dg_workflow_save').add(...changeParts(tenantId, changes, now)).run(db);
  }
}

/** The CTEs that write `changes`, each with a fixed text: items, actions, notices, cursor. */
export function changeParts(tenantId: string, changes: WorkflowChanges, now: Date): StatementPart[] {
  const parts: StatementPart[] = [];
  if (changes.items.size) parts.push(['items', savedItemsCte(tenantId, [...changes.items.values()])]);
  if (changes.actions.length) parts.push(['actions', newActionsCte(tenantId, changes.actions)]);
  if (changes.notices.length) parts.push(['notices', newNotificationsCte(tenantId, changes.notices, now)]);
  if (changes.appliedLogSeq !== undefined)
    parts.push(['cursor', runtimeAdvanceCte(tenantId, changes.appliedLogSeq, now)]);
  return parts;
}

/** What the import read: the markers of the events applied already, and their items. */
export type ImportRead = { applied: Set<string>; items: Map<string, WorkflowItem> };

/** Inserts or replaces whole items; every column but the key is set, so a status change fires the counting trigger. */
function savedItemsCte(tenantId: string, items: WorkflowItem[]): Prisma.Sql {
  const rows = JSON.stringify(
    items.map((item) => ({ ...item, priority_rank: PRIORITY_RANK[item.priority as Priority] ?? PRIORITY_RANK.normal })),
  );
  return Prisma.sql`saved_items AS (
    INSERT INTO dg_workflow_items
    SELECT * FROM json_populate_recordset(NULL::dg_workflow_items, ${rows}::json) WHERE tenant_id = ${tenantId}
    ON CONFLICT (tenant_id, workflow_id) DO UPDATE SET
      trace_id = EXCLUDED.trace_id, workflow_kind = EXCLUDED.workflow_kind, workflow_name = EXCLUDED.workflow_name,
      subject_type = EXCLUDED.subject_type, subject_id = EXCLUDED.subject_id, status = EXCLUDED.status,
      priority = EXCLUDED.priority, priority_rank = EXCLUDED.priority_rank, title = EXCLUDED.title,
      policy_id = EXCLUDED.policy_id, policy_version = EXCLUDED.policy_version, requested_by_actor = EXCLUDED.requested_by_actor,
      assigned_account_id = EXCLUDED.assigned_account_id, assigned_role = EXCLUDED.assigned_role,
      claimed_by_account_id = EXCLUDED.claimed_by_account_id, requested_at = EXCLUDED.requested_at,
      sla_due_at = EXCLUDED.sla_due_at, updated_at = EXCLUDED.updated_at, resolved_at = EXCLUDED.resolved_at,
      last_action_type = EXCLUDED.last_action_type, last_action_at = EXCLUDED.last_action_at,
      current_decision = EXCLUDED.current_decision, current_reason = EXCLUDED.current_reason,
      approval_event_id = EXCLUDED.approval_event_id, created_from_event_id = EXCLUDED.created_from_event_id,
      last_source_log_seq = EXCLUDED.last_source_log_seq, escalation_count = EXCLUDED.escalation_count,
      deadline_risk_notified_for = EXCLUDED.deadline_risk_notified_for, metadata = EXCLUDED.metadata,
      version = EXCLUDED.version, last_action_hash = EXCLUDED.last_action_hash, action_count = EXCLUDED.action_count,
      requested_by = EXCLUDED.requested_by, required_approvals = EXCLUDED.required_approvals, approvals = EXCLUDED.approvals,
      workflow_policy_id = EXCLUDED.workflow_policy_id, workflow_policy_version = EXCLUDED.workflow_policy_version,
      sla_policy = EXCLUDED.sla_policy, sla_paused_at = EXCLUDED.sla_paused_at, sla_warnings_sent = EXCLUDED.sla_warnings_sent,
      sla_escalation_step = EXCLUDED.sla_escalation_step, sla_next_check_at = EXCLUDED.sla_next_check_at,
      separation_of_duties = EXCLUDED.separation_of_duties
    RETURNING 1
  )`;
}

/**
 * The item of a row, every field named. Spreading a row of the pg driver into a new object (or
 * adding a property to one) kept recent rows alive through V8's young-generation collections: a
 * bare HTTP server reading 13 item rows per request kept about 1 MB per collection with
 * `{ ...row }` and under 2 KB with a literal naming the fields; the inbox kept 1.1 MB, 0.63 MB
 * once its items were built this way (bench/README.md, "Garbage collection"). Columns that are
 * not item fields (priority_rank, a page's overdue_rank) stay behind.
 */
export function toItem(row: ItemRow): WorkflowItem {
  return {
    tenant_id: row.tenant_id,
    workflow_id: row.workflow_id,
    trace_id: row.trace_id,
    workflow_kind: row.workflow_kind,
    workflow_name: row.workflow_name,
    subject_type: row.subject_type,
    subject_id: row.subject_id,
    status: row.status as WorkflowStatus,
    priority: row.priority,
    title: row.title,
    policy_id: row.policy_id,
    policy_version: row.policy_version,
    requested_by_actor: (row.requested_by_actor ?? null) as WorkflowItem['requested_by_actor'],
    assigned_account_id: row.assigned_account_id,
    assigned_role: row.assigned_role,
    claimed_by_account_id: row.claimed_by_account_id,
    requested_at: row.requested_at,
    sla_due_at: row.sla_due_at,
    updated_at: row.updated_at,
    resolved_at: row.resolved_at,
    last_action_type: row.last_action_type,
    last_action_at: row.last_action_at,
    current_decision: row.current_decision,
    current_reason: row.current_reason,
    approval_event_id: row.approval_event_id,
    created_from_event_id: row.created_from_event_id,
    last_source_log_seq: Number(row.last_source_log_seq),
    escalation_count: row.escalation_count,
    deadline_risk_notified_for: row.deadline_risk_notified_for,
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
    version: row.version,
    last_action_hash: row.last_action_hash,
    action_count: row.action_count,
    requested_by: row.requested_by,
    required_approvals: row.required_approvals,
    approvals: (row.approvals ?? []) as WorkflowItem['approvals'],
    workflow_policy_id: row.workflow_policy_id,
    workflow_policy_version: row.workflow_policy_version,
    sla_policy: (row.sla_policy ?? null) as WorkflowItem['sla_policy'],
    sla_paused_at: row.sla_paused_at,
    sla_warnings_sent: row.sla_warnings_sent,
    sla_escalation_step: row.sla_escalation_step,
    sla_next_check_at: row.sla_next_check_at,
    separation_of_duties: row.separation_of_duties,
  };
}

const ITEM_TIMES = [
  'requested_at',
  'sla_due_at',
  'updated_at',
  'resolved_at',
  'last_action_at',
  'deadline_risk_notified_for',
  'sla_paused_at',
  'sla_next_check_at',
] as const;

/** An item row as PostgreSQL's JSON gives it: times as text, bigints as numbers. */
export function itemFromJson(json: Record<string, unknown>): WorkflowItem {
  const row = { ...json } as Record<string, unknown>;
  for (const column of ITEM_TIMES) row[column] = json[column] === null ? null : new Date(json[column] as string);
  return toItem({ ...row, last_source_log_seq: BigInt(json.last_source_log_seq as number) } as ItemRow);
}
