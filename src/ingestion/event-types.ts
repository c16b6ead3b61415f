/** The event vocabulary of SPEC §5.2. */
export const EVENT_TYPES = [
  'TraceStarted',
  'InputObserved',
  'EntityObserved',
  'PolicyEvaluated',
  'ExceptionRequested',
  'ApprovalRecorded',
  'WorkflowReviewRequested',
  'PrecedentCited',
  'ActionProposed',
  'ActionCommitted',
  'TraceFinished',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const ACTOR_TYPES = ['agent', 'person', 'role', 'system'] as const;

export type ActorType = (typeof ACTOR_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

export function isActorType(value: unknown): value is ActorType {
  return typeof value === 'string' && (ACTOR_TYPES as readonly string[]).includes(value);
}

/** Who emitted the event; strings trimmed, `subsystem` left out when not given. */
export type EventSource = { producer_id: string; system: string; subsystem?: string };

export type EventActor = { actor_id: string; actor_type: ActorType };

/** An event envelope after validation (SPEC §5.1), in the form that is hashed and stored. */
export type EventInput = {
  event_id: string;
  trace_id: string;
  trace_seq: number;
  event_type: EventType;
  /** Normalised to UTC with milliseconds: `new Date(x).toISOString()`. */
  occurred_at: string;
  source: EventSource;
  actor: EventActor;
  idempotency_key: string;
  /** Exactly as sent: not trimmed, not lower-cased, so its hash is the producer's. */
  payload: Record<string, unknown>;
  correlation_id: string | null;
  causation_event_id: string | null;
  /** 1 when not given. */
  schema_version: number;
  /** Trimmed; [] when not given. */
  tags: string[];
};
