import type { PolicyRules } from '../policies/policy-definition';
import type { WorkflowStatus } from './workflow-status';

export type ActorRef = { actor_id: string; actor_type: string };

/** One vote towards an item's quorum (SPEC §11.4). */
export type Approval = {
  account_id: string;
  person_sub: string | null;
  reason: string | null;
  at: string;
  action_id: string;
};

/** A workflow item as the service works with it (SPEC §6.1); timestamps as Dates. */
export type WorkflowItem = {
  tenant_id: string;
  workflow_id: string;
  trace_id: string;
  workflow_kind: string;
  workflow_name: string;
  subject_type: string;
  subject_id: string;
  status: WorkflowStatus;
  priority: string;
  title: string;
  policy_id: string | null;
  policy_version: string | null;
  requested_by_actor: ActorRef | null;
  assigned_account_id: string | null;
  assigned_role: string | null;
  claimed_by_account_id: string | null;
  requested_at: Date;
  sla_due_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  last_action_type: string | null;
  last_action_at: Date | null;
  current_decision: string | null;
  current_reason: string | null;
  approval_event_id: string | null;
  created_from_event_id: string;
  last_source_log_seq: number;
  escalation_count: number;
  deadline_risk_notified_for: Date | null;
  metadata: Record<string, unknown>;
  version: number;
  last_action_hash: string | null;
  action_count: number;
  /** SPEC §11.1: recorded_by of the event that created the item; null for items created before attribution. */
  requested_by: string | null;
  required_approvals: number;
  approvals: Approval[];
  /** SPEC §14: the tenant workflow policy (id, version) the item was created under; null without one. */
  workflow_policy_id: string | null;
  workflow_policy_version: number | null;
  /** That version's rules, copied: the item keeps them whatever later versions say. */
  sla_policy: PolicyRules | null;
  sla_paused_at: Date | null;
  sla_warnings_sent: number;
  sla_escalation_step: number;
  sla_next_check_at: Date | null;
  separation_of_duties: boolean | null;
};

/** The SPEC §14 fields of an item created without a tenant workflow policy. */
export const WITHOUT_POLICY = Object.freeze({
  workflow_policy_id: null,
  workflow_policy_version: null,
  sla_policy: null,
  sla_paused_at: null,
  sla_warnings_sent: 0,
  sla_escalation_step: 0,
  sla_next_check_at: null,
  separation_of_duties: null,
} as const satisfies Partial<WorkflowItem>);

/** The item as the API returns it: RFC 3339 UTC times, `overdue` computed against `now`. */
export function workflowJson(item: WorkflowItem, now: Date) {
  return {
    workflow_id: item.workflow_id,
    tenant_id: item.tenant_id,
    trace_id: item.trace_id,
    workflow_kind: item.workflow_kind,
    workflow_name: item.workflow_name,
    subject: { subject_type: item.subject_type, subject_id: item.subject_id },
    status: item.status,
    priority: item.priority,
    title: item.title,
    policy_id: item.policy_id,
    policy_version: item.policy_version,
    requested_by_actor: item.requested_by_actor,
    assigned_account_id: item.assigned_account_id,
    assigned_role: item.assigned_role,
    claimed_by_account_id: item.claimed_by_account_id,
    requested_at: item.requested_at.toISOString(),
    sla_due_at: item.sla_due_at.toISOString(),
    updated_at: item.updated_at.toISOString(),
    resolved_at: item.resolved_at?.toISOString() ?? null,
    last_action_type: item.last_action_type,
    last_action_at: item.last_action_at?.toISOString() ?? null,
    current_decision: item.current_decision,
    current_reason: item.current_reason,
    approval_event_id: item.approval_event_id,
    created_from_event_id: item.created_from_event_id,
    last_source_log_seq: item.last_source_log_seq,
    escalation_count: item.escalation_count,
    metadata: item.metadata,
    version: item.version,
    overdue: isOverdue(item, now),
    requested_by: item.requested_by,
    required_approvals: item.required_approvals,
    approvals: item.approvals,
    approval_count: item.approvals.length,
    workflow_policy_id: item.workflow_policy_id,
    workflow_policy_version: item.workflow_policy_version,
    sla_clock: slaClockJson(item),
  };
}

/**
 * SPEC §14: the SLA clock as a reviewer sees it: `running` while open, `paused` while a pausing
 * policy waits on the requester, `stopped` once decided.
 */
export function slaClockJson(item: WorkflowItem) {
  const state = !OPEN.has(item.status) ? 'stopped' : item.sla_paused_at ? 'paused' : 'running';
  return {
    state,
    due_at: item.sla_due_at.toISOString(),
    paused_at: item.sla_paused_at?.toISOString() ?? null,
    business_hours_time_zone: item.sla_policy?.calendar?.time_zone ?? null,
  };
}

export type WorkflowJson = ReturnType<typeof workflowJson>;

/** Where the item's decision history lives in the log (detail and export). */
export function traceReferenceJson(item: WorkflowItem) {
  return {
    tenant_id: item.tenant_id,
    trace_id: item.trace_id,
    subject_type: item.subject_type,
    subject_id: item.subject_id,
    workflow_name: item.workflow_name,
  };
}

const OPEN = new Set(['requested', 'in_review', 'changes_requested', 'escalated']);

/** SPEC §7: open and past its due time. */
export function isOverdue(item: Pick<WorkflowItem, 'status' | 'sla_due_at'>, now: Date): boolean {
  return OPEN.has(item.status) && item.sla_due_at.getTime() < now.getTime();
}
