import type { StoredEvent, TraceState } from './stored-event';

/**
 * The precedent index's rows (SPEC §5.7) as one pure function, used by the append path when a
 * trace finishes (TraceSummaryRepository.indexPrecedents) and by the replay's fold
 * (src/projections/projection-folds.ts), so that a verify or a rebuild computes what the append
 * writes.
 */

/** The events a finished trace is indexed by. */
export const PRECEDENT_EVENT_TYPES: readonly string[] = ['PolicyEvaluated', 'ExceptionRequested', 'TraceFinished'];

/** What a precedent row takes from its event. */
export type PrecedentCandidate = Pick<StoredEvent, 'event_id' | 'event_type' | 'log_seq'> & {
  policy_id: string | null;
  policy_version: string | null;
};

/** A precedent row keyed for a comparison: `k` orders the model, `key` names the row. */
export type PrecedentRow = { k: string; key: Record<string, unknown>; row: Record<string, unknown> };

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** An indexable event's part of its row: its policy when the payload names one (strings only). */
export function precedentCandidate(
  event: Pick<StoredEvent, 'event_id' | 'event_type' | 'log_seq' | 'payload'>,
): PrecedentCandidate {
  const policy = obj(obj(event.payload).policy);
  return {
    event_id: event.event_id,
    event_type: event.event_type,
    log_seq: event.log_seq,
    policy_id: typeof policy.policy_id === 'string' ? policy.policy_id : null,
    policy_version: typeof policy.policy_version === 'string' ? policy.policy_version : null,
  };
}

/** A precedent row: one event of a finished trace, with the trace's finishing summary. */
export function precedentRow(summary: TraceState, event: PrecedentCandidate): PrecedentRow {
  return {
    k: `${summary.trace_id}\u001f${event.event_id}`,
    key: { trace_id: summary.trace_id, event_id: event.event_id },
    row: {
      trace_id: summary.trace_id,
      event_id: event.event_id,
      event_type: event.event_type,
      workflow: summary.workflow,
      title: summary.title,
      entity_type: summary.primary_entity_type,
      entity_id: summary.primary_entity_id,
      policy_id: event.policy_id,
      policy_version: event.policy_version,
      outcome: summary.outcome,
      finished_at: summary.finished_at,
      log_seq: event.log_seq,
      finished_log_seq: summary.last_log_seq,
    },
  };
}
