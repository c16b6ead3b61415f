// Workflow items written straight into the tables with SQL, for the benchmarks that need more
// items than HTTP can create in a run (a million in the inbox). Each row has the values the import
// rules (src/workflow/workflow-import.rules.ts) and the actions would have given it, with the
// notifications the service would have written, so the tables have realistic sizes and
// distributions. What they lack: the events in the log behind them, and real hash chains (action
// hashes are sha256 of `workflow_id#seq`, chained, but not over the canonical action).
import type { Client } from 'pg';
import type { WorkflowStatus } from '../../src/workflow/workflow-status';

export type SeedSegment = {
  count: number;
  status: WorkflowStatus;
  /** requested_at = now − a uniform draw from [min, max] hours. */
  ageHours: [number, number];
};

export type SeedOptions = {
  tenant: string;
  /** Item numbers continue from here, so that a tenant can be grown in steps. */
  firstIndex: number;
  now: Date;
  /** Also write each item's action rows (the inbox never reads them; the SLA sweep appends to them). */
  withActions: boolean;
};

/** What an item in each status has been through, oldest action first; its decision when terminal. */
const HISTORY: Record<WorkflowStatus, { actions: string[]; decision: string | null }> = {
  requested: { actions: ['requested'], decision: null },
  in_review: { actions: ['requested', 'claim'], decision: null },
  changes_requested: { actions: ['requested', 'claim', 'request_change'], decision: null },
  escalated: { actions: ['requested', 'escalate'], decision: null },
  approved: { actions: ['requested', 'claim', 'approval_recorded', 'approve'], decision: 'approved' },
  rejected: { actions: ['requested', 'approval_recorded', 'reject'], decision: 'rejected' },
  overridden: { actions: ['requested', 'approval_recorded', 'override'], decision: 'override_approved' },
};

/**
 * One statement per segment: the items, their notifications (assignment for every item; approval,
 * escalation and deadline_risk where the status implies one) and optionally their actions.
 *
 * Per item: 90% exception reviews (subject exception/ex-1, SLA 4 h, policy discount-cap v3), 10%
 * incident reviews (trace_review/incident_triage, SLA 2 h); priority urgent 10%, high 50%, normal
 * 30%, low 10%; assigned to role admin (the default), 20% also to one of 50 reviewer accounts;
 * claimed items to their reviewer; escalated items to the escalation role admin and no account.
 * Open items due inside the 30-minute warning window are marked as warned, as the sweep leaves them.
 */
const SEGMENT_SQL = `
WITH src AS (
  SELECT n, random() AS r_kind, random() AS r_prio, random() AS r_assign, random() AS r_resolve,
    $4::timestamptz - ($5::float8 + random() * ($6::float8 - $5::float8)) * interval '1 hour' AS requested_at
  FROM generate_series($2::int, $3::int) AS n
), shaped AS (
  SELECT n, requested_at, r_resolve, 'seed-' || n AS trace_id, r_kind < 0.9 AS exception,
    CASE WHEN r_prio < 0.1 THEN 0 WHEN r_prio < 0.6 THEN 1 WHEN r_prio < 0.9 THEN 2 ELSE 3 END AS priority_rank,
    CASE WHEN $8::boolean OR r_assign < 0.2 THEN 'reviewer-' || (n % 50) END AS account,
    requested_at + CASE WHEN r_kind < 0.9 THEN interval '4 hours' ELSE interval '2 hours' END AS due
  FROM src
), rows AS (
  SELECT *, trace_id || CASE WHEN exception THEN ':exception:ex-1' ELSE ':trace_review:incident_triage' END AS workflow_id,
    CASE WHEN $10::text IS NOT NULL THEN requested_at + (due - requested_at) * r_resolve END AS resolved_at
  FROM shaped
), items AS (
  INSERT INTO dg_workflow_items (tenant_id, workflow_id, trace_id, workflow_kind, workflow_name, subject_type, subject_id, status,
    priority, priority_rank, title, policy_id, policy_version, requested_by_actor, assigned_account_id, assigned_role,
    claimed_by_account_id, requested_at, sla_due_at, updated_at, resolved_at, last_action_type, last_action_at, current_decision,
    current_reason, approval_event_id, created_from_event_id, last_source_log_seq, escalation_count, deadline_risk_notified_for,
    metadata, version, last_action_hash, action_count)
  SELECT $1, workflow_id, trace_id,
    CASE WHEN exception THEN 'exception_review' ELSE 'incident_review' END, 'renewal',
    CASE WHEN exception THEN 'exception' ELSE 'trace_review' END, CASE WHEN exception THEN 'ex-1' ELSE 'incident_triage' END,
    $7, (ARRAY['urgent', 'high', 'normal', 'low'])[priority_rank + 1], priority_rank,
    CASE WHEN exception THEN 'Renew ACME contract ' || n ELSE 'Incident Triage Review' END,
    CASE WHEN exception THEN 'discount-cap' END, CASE WHEN exception THEN 'v3' END,
    '{"actor_id": "agent-7", "actor_type": "agent"}'::jsonb,
    CASE WHEN NOT $9::boolean THEN account END, 'admin', CASE WHEN $8::boolean THEN account END,
    requested_at, due, COALESCE(resolved_at, requested_at), resolved_at,
    ($11::text[])[cardinality($11::text[])], COALESCE(resolved_at, requested_at),
    $10::text, CASE WHEN $10::text IS NOT NULL THEN 'Within the regional cap' END,
    CASE WHEN $10::text IS NOT NULL THEN 'evt-' || trace_id || '-decision' END,
    'evt-' || trace_id || '-request', n, CASE WHEN $9::boolean THEN 1 ELSE 0 END,
    CASE WHEN $7 IN ('requested', 'in_review', 'changes_requested', 'escalated') AND due > $4::timestamptz
      AND due <= $4::timestamptz + interval '30 minutes' THEN due END,
    CASE WHEN exception THEN '{"exception_id": "ex-1", "reason": "Discount above cap", "evidence": []}'::jsonb
      ELSE '{"template_id": "incident_triage", "template_description": null, "reason": "Trace failed", "simulation": {}}'::jsonb END,
    cardinality($11::text[]),
    'sha256:' || encode(sha256(convert_to(workflow_id || '#' || (cardinality($11::text[]) - 1), 'UTF8')), 'hex'),
    cardinality($11::text[])
  FROM rows
  RETURNING workflow_id, assigned_account_id, assigned_role, requested_at, resolved_at, deadline_risk_notified_for, sla_due_at, approval_event_id
), notices AS (
  INSERT INTO dg_workflow_notifications (tenant_id, notification_id, workflow_id, category, channel, dedupe_key,
    recipient_account_id, recipient_role, message, payload, created_at)
  SELECT $1, 'wfn:' || gen_random_uuid(), i.workflow_id, x.category, 'operator_console', x.dedupe_key,
    i.assigned_account_id, i.assigned_role, x.message, x.payload, x.created_at
  FROM items i CROSS JOIN LATERAL (VALUES
    (true, 'assignment', 'assignment:' || i.workflow_id || ':admin', 'Workflow ' || i.workflow_id || ' assigned to admin',
      '{"assigned_account_id": null, "assigned_role": "admin", "reassigned": false}'::jsonb, i.requested_at),
    ($10::text IS NOT NULL, 'approval', 'approval:' || i.workflow_id || ':' || i.approval_event_id,
      'Workflow ' || i.workflow_id || ' recorded ' || $10::text, jsonb_build_object('event_id', i.approval_event_id, 'decision', $10::text), i.resolved_at),
    ($9::boolean, 'escalation', 'escalation:' || i.workflow_id || ':1', 'Workflow ' || i.workflow_id || ' escalated to admin',
      '{"escalation_count": 1, "source": "automatic_sla_escalation"}'::jsonb, i.sla_due_at),
    (i.deadline_risk_notified_for IS NOT NULL, 'deadline_risk', 'deadline_risk:' || i.workflow_id || ':' || i.sla_due_at,
      'Workflow ' || i.workflow_id || ' is nearing its SLA deadline', '{"warning_minutes": 30}'::jsonb, $4::timestamptz)
  ) AS x(wanted, category, dedupe_key, message, payload, created_at)
  WHERE x.wanted
), actions AS (
  INSERT INTO dg_workflow_actions (tenant_id, action_id, workflow_id, seq, action_type, actor, note, payload, source_event_id,
    resulting_status, created_at, prev_action_hash, action_hash)
  SELECT $1, 'wfa:' || gen_random_uuid(), i.workflow_id, a.seq - 1, a.action_type,
    '{"actor_id": "seed", "actor_type": "system", "account_id": null}'::jsonb, NULL, '{"source": "seed"}'::jsonb, NULL, $7,
    COALESCE(i.resolved_at, i.requested_at),
    CASE WHEN a.seq > 1 THEN 'sha256:' || encode(sha256(convert_to(i.workflow_id || '#' || (a.seq - 2), 'UTF8')), 'hex') END,
    'sha256:' || encode(sha256(convert_to(i.workflow_id || '#' || (a.seq - 1), 'UTF8')), 'hex')
  FROM items i CROSS JOIN LATERAL unnest($11::text[]) WITH ORDINALITY AS a(action_type, seq)
  WHERE $12::boolean
)
SELECT count(*)::int AS items FROM items`;

/** Writes the segments' items after `options.firstIndex`; returns the next free item number. */
export async function seedItems(db: Client, options: SeedOptions, segments: SeedSegment[]): Promise<number> {
  let next = options.firstIndex;
  for (const s of segments) {
    if (s.count <= 0) continue;
    const history = HISTORY[s.status];
    const { rows } = await db.query<{ items: number }>(SEGMENT_SQL, [
      options.tenant,
      next,
      next + s.count - 1,
      options.now,
      s.ageHours[0],
      s.ageHours[1],
      s.status,
      s.status === 'in_review',
      s.status === 'escalated',
      history.decision,
      history.actions,
      options.withActions,
    ]);
    if (rows[0].items !== s.count) throw new Error(`seeded ${rows[0].items} ${s.status} items, wanted ${s.count}`);
    next += s.count;
  }
  return next;
}

/** Statistics and visibility maps as autovacuum would leave them on a table that grew over time. */
export async function settle(db: Client): Promise<void> {
  await db.query('VACUUM (ANALYZE) dg_workflow_items, dg_workflow_notifications, dg_workflow_actions');
}
