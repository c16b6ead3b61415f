import { clampToStorable } from '../common/rfc3339';
import type { WorkflowConfig } from '../config/workflow-config';
import type { EventInput } from '../ingestion/event-types';
import type { StoredEvent, TraceState } from '../ingestion/stored-event';
import { WITHOUT_POLICY, type WorkflowItem } from './workflow-item';
import { isOwnRequest, separationOfDutiesError } from './separation-of-duties';
import { systemTransition } from './workflow-system-transitions';
import { isTerminalStatus, PRIORITIES, type Priority } from './workflow-status';

/** SPEC §6.1's import rules as pure functions: event (+ existing item) → item. */
export type ImportContext = { config: WorkflowConfig; trace: TraceState | undefined; now: Date };

type Payload = Record<string, unknown>;
const HOUR_MS = 3_600_000;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
const obj = (v: unknown): Payload => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Payload) : {});

export function workflowIdOf(traceId: string, subjectType: string, subjectId: string): string {
  return `${traceId}:${subjectType}:${subjectId}`;
}

/** The payload's priority (lower-cased), else the item's, else urgent when the reason says so, else high. */
export function resolvePriority(given: unknown, existing: string | undefined, reason: string | null): Priority {
  const normalised = typeof given === 'string' ? given.toLowerCase() : undefined;
  if (normalised && (PRIORITIES as readonly string[]).includes(normalised)) return normalised as Priority;
  if (existing && (PRIORITIES as readonly string[]).includes(existing)) return existing as Priority;
  return reason && /urgent/i.test(reason) ? 'urgent' : 'high';
}

function baseItem(
  event: StoredEvent,
  ctx: ImportContext,
  fields: Pick<
    WorkflowItem,
    | 'workflow_id'
    | 'workflow_kind'
    | 'subject_type'
    | 'subject_id'
    | 'title'
    | 'priority'
    | 'assigned_account_id'
    | 'assigned_role'
  > & { slaHours: number },
): WorkflowItem {
  const requestedAt = new Date(event.occurred_at);
  const { slaHours, ...rest } = fields;
  return {
    tenant_id: event.tenant_id,
    trace_id: event.trace_id,
    workflow_name: ctx.trace?.workflow ?? 'unknown',
    status: 'requested',
    policy_id: null,
    policy_version: null,
    requested_by_actor: { actor_id: event.actor.actor_id, actor_type: event.actor.actor_type },
    claimed_by_account_id: null,
    requested_at: requestedAt,
    // A deadline past 9999-12-31 (an event from the far future) is held at the last instant PostgreSQL reads back.
    sla_due_at: clampToStorable(requestedAt.getTime() + slaHours * HOUR_MS),
    updated_at: ctx.now,
    resolved_at: null,
    last_action_type: null,
    last_action_at: null,
    current_decision: null,
    current_reason: null,
    approval_event_id: null,
    created_from_event_id: event.event_id,
    last_source_log_seq: event.log_seq,
    escalation_count: 0,
    deadline_risk_notified_for: null,
    metadata: {},
    version: 0,
    last_action_hash: null,
    action_count: 0,
    requested_by: event.recorded_by,
    required_approvals: 1,
    approvals: [],
    ...WITHOUT_POLICY,
    ...rest,
  };
}

/** SPEC §11.4: the payload's quorum (validated 1-10 on append), else the item's, else one approval. */
function requiredApprovalsOf(payload: Payload, existing: WorkflowItem | undefined): number {
  return typeof payload.required_approvals === 'number'
    ? payload.required_approvals
    : (existing?.required_approvals ?? 1);
}

/** ExceptionRequested: create, or re-request an open item (a terminal one keeps its status). */
export function importException(
  existing: WorkflowItem | undefined,
  event: StoredEvent,
  ctx: ImportContext,
): WorkflowItem {
  const p = event.payload as Payload;
  const policy = obj(p.policy);
  const reason = str(p.reason);
  const exceptionId = String(p.exception_id);
  const priority = resolvePriority(p.priority, existing?.priority, reason);
  const evidence = Array.isArray(p.evidence) ? { evidence: p.evidence } : {};
  const metadata = { exception_id: exceptionId, reason, ...evidence };
  if (existing) {
    // Merged: a re-request without evidence keeps the evidence given before.
    return touch(existing, event, ctx, {
      ...reRequested(existing, p),
      priority,
      policy_id: str(policy.policy_id) ?? existing.policy_id,
      policy_version: str(policy.policy_version) ?? existing.policy_version,
      metadata: { evidence: [], ...existing.metadata, ...metadata },
    });
  }
  return {
    ...baseItem(event, ctx, {
      workflow_id: workflowIdOf(event.trace_id, 'exception', exceptionId),
      workflow_kind: 'exception_review',
      subject_type: 'exception',
      subject_id: exceptionId,
      title: ctx.trace?.title ?? `Workflow review for ${event.trace_id}`,
      priority,
      assigned_account_id: ctx.config.defaultAssignedAccountId,
      assigned_role: ctx.config.defaultAssignedRole,
      slaHours: ctx.config.exceptionReviewSlaHours,
    }),
    policy_id: str(policy.policy_id),
    policy_version: str(policy.policy_version),
    required_approvals: requiredApprovalsOf(p, undefined),
    metadata: { evidence: [], ...metadata },
  };
}

/**
 * A repeated request: an open item goes back to `requested` and its votes, given for the request
 * as it was, are cleared (SPEC §11.4, like request_change); a terminal item keeps its status.
 */
function reRequested(existing: WorkflowItem, payload: Payload): Partial<WorkflowItem> {
  const required_approvals = requiredApprovalsOf(payload, existing);
  const status = systemTransition(existing.status, 'requested_again');
  if (status === existing.status && isTerminalStatus(status)) return { required_approvals };
  return { status, approvals: [], required_approvals };
}

/** WorkflowReviewRequested: the payload names kind, subject, title, assignee and SLA. */
export function importReview(existing: WorkflowItem | undefined, event: StoredEvent, ctx: ImportContext): WorkflowItem {
  const p = event.payload as Payload;
  const subject = obj(p.subject);
  const assignee = obj(p.assignee);
  const reason = str(p.reason);
  const priority = resolvePriority(p.priority, existing?.priority, reason);
  const metadata = {
    template_id: p.template_id,
    template_description: p.template_description ?? null,
    reason,
    simulation: obj(p.simulation),
  };
  if (existing) {
    return touch(existing, event, ctx, {
      ...reRequested(existing, p),
      priority,
      metadata: { ...existing.metadata, ...metadata },
    });
  }
  const subjectType = String(subject.subject_type);
  const subjectId = String(subject.subject_id);
  return {
    ...baseItem(event, ctx, {
      workflow_id: workflowIdOf(event.trace_id, subjectType, subjectId),
      workflow_kind: String(p.workflow_kind),
      subject_type: subjectType,
      subject_id: subjectId,
      title: String(p.title),
      priority,
      assigned_account_id: str(assignee.account_id),
      assigned_role: str(assignee.role),
      slaHours: typeof p.sla_hours === 'number' ? p.sla_hours : ctx.config.incidentReviewSlaHours,
    }),
    policy_id: str(p.policy_id),
    policy_version: str(p.policy_version),
    required_approvals: requiredApprovalsOf(p, undefined),
    metadata,
  };
}

/** Which item an ApprovalRecorded concerns: an override names the workflow it overrides. */
export function approvalTarget(event: Pick<EventInput, 'trace_id' | 'payload'>): {
  workflowId: string;
  subjectType: string;
  subjectId: string;
  override: boolean;
} {
  const subject = obj((event.payload as Payload).subject);
  const subjectType = String(subject.subject_type);
  const subjectId = String(subject.subject_id);
  if (subjectType === 'override') return { workflowId: subjectId, subjectType, subjectId, override: true };
  return { workflowId: workflowIdOf(event.trace_id, subjectType, subjectId), subjectType, subjectId, override: false };
}

/**
 * ApprovalRecorded: the log is the source of truth, so a later decision wins even on a terminal
 * item; `previousDecision` tells the caller when it replaced a different one (a conflict).
 */
export function importApproval(
  existing: WorkflowItem | undefined,
  event: StoredEvent,
  ctx: ImportContext,
): { item: WorkflowItem; previousDecision: string | null } {
  const p = event.payload as Payload;
  const target = approvalTarget(event);
  const separationOfDuties = existing?.separation_of_duties ?? ctx.config.separationOfDuties;
  if (separationOfDuties && existing && isOwnRequest(existing, event.recorded_by)) {
    throw separationOfDutiesError(existing.workflow_id, { event_id: event.event_id });
  }
  const approved = p.decision === 'approved';
  const decision = target.override ? (approved ? 'override_approved' : 'rejected') : approved ? 'approved' : 'rejected';
  const input =
    target.override && approved ? 'override_recorded' : approved ? 'approval_recorded' : 'rejection_recorded';
  const item =
    existing ??
    baseItem(event, ctx, {
      workflow_id: target.workflowId,
      workflow_kind: target.override ? 'override_review' : 'exception_review',
      subject_type: target.subjectType,
      subject_id: target.subjectId,
      title: ctx.trace?.title ?? `Workflow review for ${event.trace_id}`,
      priority: resolvePriority(undefined, undefined, str(p.reason)),
      assigned_account_id: ctx.config.defaultAssignedAccountId,
      assigned_role: ctx.config.defaultAssignedRole,
      slaHours: ctx.config.exceptionReviewSlaHours,
    });
  const previous = existing?.current_decision ?? null;
  return {
    previousDecision: previous !== null && previous !== decision ? previous : null,
    item: touch(item, event, ctx, {
      status: systemTransition(item.status, input),
      current_decision: decision,
      current_reason: str(p.reason),
      resolved_at: new Date(event.occurred_at),
      approval_event_id: event.event_id,
      claimed_by_account_id: null,
    }),
  };
}

function touch(
  item: WorkflowItem,
  event: StoredEvent,
  ctx: ImportContext,
  changes: Partial<WorkflowItem>,
): WorkflowItem {
  return {
    ...item,
    ...changes,
    updated_at: ctx.now,
    last_source_log_seq: Math.max(item.last_source_log_seq, event.log_seq),
  };
}

/** The marker of an applied event: its imported action's id. */
export function importedActionId(event: Pick<EventInput, 'event_id'>): string {
  return `wfa:event:${event.event_id}`;
}

/** The item an event concerns. */
export function targetOf(event: Pick<EventInput, 'event_type' | 'trace_id' | 'payload'>): string {
  const p = event.payload as Record<string, { subject_type?: string; subject_id?: string } | string>;
  if (event.event_type === 'ApprovalRecorded') return approvalTarget(event).workflowId;
  if (event.event_type === 'ExceptionRequested')
    return workflowIdOf(event.trace_id, 'exception', String(p.exception_id));
  const subject = p.subject as { subject_type: string; subject_id: string };
  return workflowIdOf(event.trace_id, subject.subject_type, subject.subject_id);
}

/** `requested` for exceptions, `<kind>_requested` for reviews, `approval_recorded` for decisions. */
export function importedActionType(eventType: string, workflowKind: string): string {
  if (eventType === 'ExceptionRequested') return 'requested';
  if (eventType === 'WorkflowReviewRequested') return `${workflowKind}_requested`;
  return 'approval_recorded';
}
