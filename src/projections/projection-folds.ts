import { advanceTrace } from '../ingestion/append-planner';
import {
  PRECEDENT_EVENT_TYPES,
  type PrecedentCandidate,
  precedentCandidate,
  precedentRow,
} from '../ingestion/precedent-rows';
import type { StoredEvent, TraceState } from '../ingestion/stored-event';
import {
  approvalTarget,
  importedActionId,
  importedActionType,
  resolvePriority,
  targetOf,
} from '../workflow/workflow-import.rules';

/**
 * The read models derived from the log (SPEC §16) as pure folds: state by key, one event at a time,
 * in log_seq order. Each uses the function the live write path uses (advanceTrace for the trace
 * summary, precedentRow for the precedents, the import rules for workflow items and actions), so a verify or a rebuild computes
 * what the append path writes. A replay keeps the states in a shadow table, so the fold's memory
 * is one batch, not the log.
 */

/** The fields of a logged event a fold reads. */
export type FoldEvent = Pick<
  StoredEvent,
  'log_seq' | 'event_id' | 'trace_id' | 'trace_seq' | 'event_type' | 'occurred_at' | 'payload' | 'event_hash'
>;

export type ModelRow = Record<string, unknown>;

/** A row of a model: `k` orders the model (byte order), `key` is what a mismatch names. */
export type KeyedRow = { k: string; key: ModelRow; row: ModelRow };

export interface LogFold<S> {
  readonly name: string;
  /** Event types the fold reads; null for all. */
  readonly eventTypes: readonly string[] | null;
  /** The state keys an event reads and writes. */
  stateKeys(event: FoldEvent): string[];
  /** Applies one event: updates `states` in place and returns the rows it writes. */
  apply(states: Map<string, S | undefined>, event: FoldEvent): KeyedRow[];
}

const SEP = '\u001f';
type Payload = Record<string, unknown>;
const obj = (v: unknown): Payload => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Payload) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** A trace summary row as dg_trace_summaries holds it (SPEC §5.7). */
export function traceSummaryRow(state: TraceState): KeyedRow {
  return { k: state.trace_id, key: { trace_id: state.trace_id }, row: { ...state } };
}

/** The summary after one more event, with the event's log position, as the append writes it. */
export function nextTraceSummary(state: TraceState | undefined, event: FoldEvent): TraceState {
  return { ...advanceTrace(state, event), last_log_seq: Math.max(state?.last_log_seq ?? 0, event.log_seq) };
}

export const traceSummaryFold: LogFold<TraceState> = {
  name: 'trace_summary',
  eventTypes: null,
  stateKeys: (event) => [event.trace_id],
  apply(states, event) {
    const next = nextTraceSummary(states.get(event.trace_id), event);
    states.set(event.trace_id, next);
    return [traceSummaryRow(next)];
  },
};

const PRECEDENT_TYPES = new Set(PRECEDENT_EVENT_TYPES);

export type PrecedentState = { summary: TraceState; candidates: PrecedentCandidate[] };

/** Per trace: its summary and the indexable events until it finishes; then its rows. */
export const precedentsFold: LogFold<PrecedentState> = {
  name: 'precedents',
  eventTypes: null,
  stateKeys: (event) => [event.trace_id],
  apply(states, event) {
    const previous = states.get(event.trace_id);
    const summary = nextTraceSummary(previous?.summary, event);
    const candidates = PRECEDENT_TYPES.has(event.event_type)
      ? [...(previous?.candidates ?? []), precedentCandidate(event)]
      : (previous?.candidates ?? []);
    if (event.event_type === 'TraceFinished') {
      states.set(event.trace_id, { summary, candidates: [] });
      return candidates.map((c) => precedentRow(summary, c));
    }
    states.set(event.trace_id, { summary, candidates });
    return [];
  },
};

/** The event-derived part of a workflow item (SPEC §16 `workflow_import`). */
export type ImportedItem = {
  workflow_id: string;
  workflow_kind: string;
  subject_type: string;
  subject_id: string;
  created_from_event_id: string;
  requested_at: string;
  priority: string;
  reason: string | null;
};

export const WORKFLOW_IMPORT_TYPES = ['ExceptionRequested', 'WorkflowReviewRequested', 'ApprovalRecorded'] as const;

function itemRow(item: ImportedItem): KeyedRow {
  return { k: `item${SEP}${item.workflow_id}`, key: { workflow_id: item.workflow_id }, row: { ...item } };
}

function actionRow(event: FoldEvent, item: ImportedItem): KeyedRow {
  const action_id = importedActionId(event);
  return {
    k: `action${SEP}${action_id}`,
    key: { action_id },
    row: {
      action_id,
      source_event_id: event.event_id,
      workflow_id: item.workflow_id,
      action_type: importedActionType(event.event_type, item.workflow_kind),
    },
  };
}

/** The item an event leaves, by the import rules (workflow-import.rules.ts). */
export function importedItemAfter(existing: ImportedItem | undefined, event: FoldEvent): ImportedItem {
  const p = obj(event.payload);
  const workflowId = targetOf(event);
  const occurredAt = new Date(event.occurred_at).toISOString();
  if (event.event_type === 'ApprovalRecorded') {
    if (existing) return existing;
    const target = approvalTarget(event);
    return {
      workflow_id: workflowId,
      workflow_kind: target.override ? 'override_review' : 'exception_review',
      subject_type: target.subjectType,
      subject_id: target.subjectId,
      created_from_event_id: event.event_id,
      requested_at: occurredAt,
      priority: resolvePriority(undefined, undefined, str(p.reason)),
      reason: null,
    };
  }
  const reason = str(p.reason);
  const priority = resolvePriority(p.priority, existing?.priority, reason);
  if (existing) return { ...existing, priority, reason };
  const exception = event.event_type === 'ExceptionRequested';
  const subject = obj(p.subject);
  return {
    workflow_id: workflowId,
    workflow_kind: exception ? 'exception_review' : String(p.workflow_kind),
    subject_type: exception ? 'exception' : String(subject.subject_type),
    subject_id: exception ? String(p.exception_id) : String(subject.subject_id),
    created_from_event_id: event.event_id,
    requested_at: occurredAt,
    priority,
    reason,
  };
}

/** Items by workflow id; each event writes its item and its imported action. */
export const workflowImportFold: LogFold<ImportedItem> = {
  name: 'workflow_import',
  eventTypes: WORKFLOW_IMPORT_TYPES,
  stateKeys: (event) => [targetOf(event)],
  apply(states, event) {
    const workflowId = targetOf(event);
    const item = importedItemAfter(states.get(workflowId), event);
    states.set(workflowId, item);
    return [itemRow(item), actionRow(event, item)];
  },
};

export const LOG_FOLDS = [traceSummaryFold, precedentsFold, workflowImportFold] as const;
