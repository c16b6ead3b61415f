import { sha256Hex } from '../common/canonical-json';
import { eventActorOf, type Principal } from '../auth/principal';
import { WORKFLOW_PRODUCER_ID } from '../ingestion/event-authority';
import type { EventInput } from '../ingestion/event-types';
import type { WorkflowItem } from './workflow-item';
import type { Effect } from './workflow-transitions';

type DecisionEffect = Extract<Effect, { kind: 'append_decision' }>;

/**
 * The ApprovalRecorded an approve, reject or override appends (SPEC §6.3). Its idempotency key is
 * a digest, so it embeds no raw ids (the original's keys tripped its own secret guard).
 */
export function decisionEvent(args: {
  item: WorkflowItem;
  principal: Principal;
  decision: DecisionEffect;
  reason: string | null;
  evidence: unknown[];
  actionId: string;
  eventId: string;
  now: Date;
}): EventInput {
  const { item, principal, decision } = args;
  const subject =
    decision.subject === 'override'
      ? { subject_type: 'override', subject_id: item.workflow_id }
      : { subject_type: item.subject_type, subject_id: item.subject_id };
  return {
    event_id: args.eventId,
    trace_id: item.trace_id,
    trace_seq: 0,
    event_type: 'ApprovalRecorded',
    occurred_at: args.now.toISOString(),
    source: { producer_id: WORKFLOW_PRODUCER_ID, system: 'decisiongraph', subsystem: 'workflow' },
    actor: eventActorOf(principal),
    idempotency_key: decisionIdempotencyKey(item.tenant_id, item.workflow_id, args.actionId),
    payload: {
      approval_id: args.actionId,
      subject,
      approver: eventActorOf(principal),
      decision: decision.decision,
      ...(args.reason ? { reason: args.reason } : {}),
      evidence: args.evidence,
      approvers: decision.approvers,
    },
    correlation_id: null,
    causation_event_id: item.created_from_event_id,
    schema_version: 1,
    tags: [],
  };
}

/** The decision's idempotency key: a digest of its action (no raw ids), known before the item is read. */
export function decisionIdempotencyKey(tenantId: string, workflowId: string, actionId: string): string {
  return `wf-decision-${sha256Hex(`${tenantId}\u0000${workflowId}\u0000${actionId}`).slice(0, 40)}`;
}
