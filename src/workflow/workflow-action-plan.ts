import { idempotencyKey, planAppends } from '../ingestion/append-planner';
import type { AppendSnapshot } from '../ingestion/append.repository';
import type { EventInput } from '../ingestion/event-types';
import type { StoredEvent, TraceState } from '../ingestion/stored-event';
import type { WorkflowItem } from './workflow-item';
import type { TransitionResult } from './workflow-transitions';

/**
 * The decision event an action appends, planned by the append's own rules (SPEC §5.5: next in
 * its trace, chained onto the trace's last hash, the finished-trace exemption of the workflow
 * layer) on what dg_workflow_action_prepare read, with the log_seq it handed out. Returns the
 * stored event and its trace's state after it. Throws what the planner throws.
 */
export function planDecisionAppend(
  input: EventInput,
  snapshot: AppendSnapshot,
  logSeq: number,
  options: { tenantId: string; recordedAt: Date; recordedBy: string },
): { event: StoredEvent; trace: TraceState } {
  const traces = new Map(snapshot.traces.map((t) => [t.trace_id, t]));
  const [planned] = planAppends(
    [input],
    {
      byIdempotency: new Map(snapshot.stored.map((e) => [idempotencyKey(e.source.producer_id, e.idempotency_key), e])),
      takenEventIds: new Set(snapshot.stored.map((e) => e.event_id)),
      traces,
    },
    {
      tenantId: options.tenantId,
      recordedAt: options.recordedAt.toISOString(),
      recordedBy: options.recordedBy,
      internal: true,
      batch: false,
    },
  );
  // The event's id and key are new (a fresh uuid, a digest of a fresh action id): a replay here
  // would mean the action ran twice, and must not pass for a decision.
  if (planned.replayed) throw new Error(`decision event ${input.event_id} was appended already`);
  const event: StoredEvent = { ...planned.event, log_seq: logSeq };
  const trace = { ...(traces.get(event.trace_id) as TraceState) };
  trace.last_log_seq = Math.max(trace.last_log_seq, logSeq);
  return { event, trace };
}

/**
 * Applies a transition that appends nothing to the item (its status, assignment, claim,
 * escalation count, votes, reason), in place.
 */
export function applyTransition(item: WorkflowItem, result: TransitionResult): void {
  item.status = result.status;
  item.assigned_account_id = result.assignment.account_id;
  item.assigned_role = result.assignment.role;
  item.claimed_by_account_id = result.claimed_by_account_id;
  item.escalation_count = result.escalation_count;
  item.approvals = result.approvals;
  if (result.current_reason !== undefined) item.current_reason = result.current_reason;
  if (result.clear_resolved_at) item.resolved_at = null;
}

/**
 * A decision reaches the item the way every decision does, through the import of its event (the
 * log is the source of truth); the item then keeps the votes' stamps, which the event does not
 * carry (SPEC §11.4), beside it. In place, on the imported item.
 */
export function keepVotes(imported: WorkflowItem, result: TransitionResult): void {
  imported.approvals = result.approvals;
}
