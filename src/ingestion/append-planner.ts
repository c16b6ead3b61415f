import { canonicalJson } from '../common/canonical-json';
import { DomainError } from '../common/error-codes';
import { eventHash, payloadHash } from './event-hashing';
import type { EventInput } from './event-types';
import { CURRENT_HASH_VERSION, NewEvent, REPLAY_FIELDS, StoredEvent, TraceState } from './stored-event';

/** Event types the workflow layer may append to a finished trace (SPEC §5.5). */
const FINISHED_TRACE_EXEMPT = new Set(['ApprovalRecorded', 'WorkflowReviewRequested']);

/** What the planner knows about the log, read under the locks of every trace in the request. */
export type AppendState = {
  /** Stored events by idempotencyKey(producer_id, idempotency_key). */
  byIdempotency: Map<string, NewEvent | StoredEvent>;
  takenEventIds: Set<string>;
  traces: Map<string, TraceState>;
};

/**
 * `internal`: appended by the workflow layer (finished-trace exemption, trace_seq assigned here).
 * `batch`: errors name the failing input's index (SPEC §5.5, `details.index`).
 */
export type AppendOptions = {
  tenantId: string;
  recordedAt: string;
  /** The account whose request appends (SPEC §11.1), `system` for the SLA sweep. */
  recordedBy: string;
  internal: boolean;
  batch: boolean;
};

export type PlannedAppend = { replayed: boolean; event: NewEvent | StoredEvent };

export function idempotencyKey(producerId: string, key: string): string {
  return `${producerId}\u0000${key}`;
}

/**
 * Applies SPEC §5.5's rules to each input in order (replay, finished trace, sequence, TraceStarted
 * position, duplicate event_id), chaining hashes and advancing the trace state as it goes, so a
 * batch may hold several events of one trace. Throws the first rule broken; `index` tells which.
 */
export function planAppends(inputs: EventInput[], state: AppendState, options: AppendOptions): PlannedAppend[] {
  return inputs.map((input, index) => {
    try {
      return planOne(input, state, options);
    } catch (e) {
      if (e instanceof DomainError && options.batch) throw new DomainError(e.code, e.message, { ...e.details, index });
      throw e;
    }
  });
}

function planOne(input: EventInput, state: AppendState, options: AppendOptions): PlannedAppend {
  const key = idempotencyKey(input.source.producer_id, input.idempotency_key);
  const previous = state.byIdempotency.get(key);
  const hash = payloadHash(input.payload);
  if (previous) return { replayed: true, event: assertReplayMatches(previous, input, hash) };

  const trace = state.traces.get(input.trace_id);
  if (trace?.finished_at && !(options.internal && FINISHED_TRACE_EXEMPT.has(input.event_type))) {
    throw new DomainError('conflict', `Trace ${input.trace_id} is finished and accepts no further events`, {
      trace_id: input.trace_id,
    });
  }
  // The workflow layer appends "next in the trace": it learns the position only under the lock.
  if (options.internal) input = { ...input, trace_seq: trace ? trace.last_trace_seq + 1 : 0 };
  assertSequence(input, trace);
  if (state.takenEventIds.has(input.event_id)) {
    throw new DomainError('conflict', `Event ${input.event_id} already exists in this tenant`, {
      event_id: input.event_id,
    });
  }

  const unhashed = {
    ...input,
    tenant_id: options.tenantId,
    recorded_at: options.recordedAt,
    payload_hash: hash,
    prev_event_hash: trace ? trace.last_event_hash : null,
    recorded_by: options.recordedBy,
    hash_version: CURRENT_HASH_VERSION,
  };
  const event: NewEvent = { ...unhashed, event_hash: eventHash(unhashed) };
  state.byIdempotency.set(key, event);
  state.takenEventIds.add(event.event_id);
  state.traces.set(event.trace_id, advanceTrace(trace, event));
  return { replayed: false, event };
}

function assertReplayMatches(
  previous: NewEvent | StoredEvent,
  input: EventInput,
  hash: string,
): NewEvent | StoredEvent {
  const mismatches = REPLAY_FIELDS.filter((field) =>
    field === 'payload'
      ? previous.payload_hash !== hash
      : canonicalJson(previous[field]) !== canonicalJson(input[field]),
  );
  if (mismatches.length) {
    throw new DomainError(
      'idempotency_conflict',
      `Idempotency key was already used for a different event (differs in: ${mismatches.join(', ')})`,
      { mismatches, event_id: previous.event_id },
    );
  }
  return previous;
}

function assertSequence(input: EventInput, trace: TraceState | undefined): void {
  const expected = trace ? trace.last_trace_seq + 1 : 0;
  if (input.trace_seq !== expected) {
    throw new DomainError(
      'event_sequence_invalid',
      `trace_seq ${input.trace_seq} is out of sequence for trace ${input.trace_id}; expected ${expected}`,
      {
        expected_trace_seq: expected,
      },
    );
  }
  if (input.trace_seq === 0 && input.event_type !== 'TraceStarted') {
    throw new DomainError('event_sequence_invalid', 'trace_seq 0 is reserved for TraceStarted', {
      expected_trace_seq: expected,
    });
  }
  if (input.trace_seq !== 0 && input.event_type === 'TraceStarted') {
    throw new DomainError('event_sequence_invalid', 'TraceStarted must be the first event of a trace (trace_seq 0)', {
      expected_trace_seq: expected,
    });
  }
}

/**
 * The trace summary after one more event (SPEC §5.7); last_log_seq is filled in after the insert.
 * The read model `trace_summary` (SPEC §16) is this function folded over the log: replay verifies
 * and rebuilds with it (src/projections/projection-folds.ts), so the two cannot drift.
 */
export function advanceTrace(
  trace: TraceState | undefined,
  event: Pick<NewEvent, 'trace_id' | 'trace_seq' | 'event_type' | 'event_hash' | 'occurred_at' | 'payload'>,
): TraceState {
  const next: TraceState = trace
    ? { ...trace }
    : {
        trace_id: event.trace_id,
        workflow: null,
        title: null,
        primary_entity_type: null,
        primary_entity_system: null,
        primary_entity_id: null,
        started_at: null,
        finished_at: null,
        outcome: null,
        event_count: 0,
        last_log_seq: 0,
        last_trace_seq: -1,
        last_event_hash: '',
      };
  next.event_count += 1;
  next.last_trace_seq = event.trace_seq;
  next.last_event_hash = event.event_hash;
  const payload = event.payload as Record<string, unknown>;
  if (event.event_type === 'TraceStarted') {
    const entity = (payload.primary_entity ?? {}) as Record<string, unknown>;
    next.workflow = String(payload.workflow);
    next.title = String(payload.title);
    next.primary_entity_type = String(entity.entity_type);
    next.primary_entity_id = String(entity.entity_id);
    next.primary_entity_system = typeof entity.system === 'string' ? entity.system : null;
    next.started_at = event.occurred_at;
  }
  if (event.event_type === 'TraceFinished') {
    next.finished_at = event.occurred_at;
    next.outcome = String(payload.outcome);
  }
  return next;
}
