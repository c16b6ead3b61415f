import { canonicalJson, sha256Tagged } from './canonical-json';

/** The members of a stored event that its hashes cover (SPEC §5.4, §11.1). */
export type ChainEvent = {
  tenant_id: string;
  trace_id: string;
  trace_seq: number;
  event_id: string;
  event_type: string;
  occurred_at: string;
  recorded_at: string;
  source: unknown;
  actor: unknown;
  idempotency_key: string;
  correlation_id?: string | null;
  causation_event_id?: string | null;
  schema_version?: number;
  tags?: string[];
  payload: unknown;
  payload_hash: string;
  prev_event_hash: string | null;
  event_hash: string;
  recorded_by?: string | null;
  hash_version?: number | null;
};

export type ChainProblem = { trace_seq: number; event_id: string; problem: string };
export type ChainVerdict = { verified: boolean; problems: ChainProblem[] };

/**
 * Recomputes every payload hash and event hash of a trace (events by trace_seq) and checks that
 * each event links to the previous one. Version 1 events (no hash_version) hash the SPEC §5.4 keys;
 * version 2 adds `recorded_by` and `hash_version` to the hashed object.
 */
export async function verifyChain(events: readonly ChainEvent[]): Promise<ChainVerdict> {
  const problems: ChainProblem[] = [];
  let previous: string | null = null;
  for (const [index, event] of events.entries()) {
    const at = (problem: string) => problems.push({ trace_seq: event.trace_seq, event_id: event.event_id, problem });
    if (event.trace_seq !== index) at(`trace_seq ${event.trace_seq} where ${index} was expected`);
    if (event.prev_event_hash !== previous) at('prev_event_hash does not name the previous event');
    const payloadHash = await sha256Tagged(canonicalJson(event.payload));
    if (payloadHash !== event.payload_hash) at('payload_hash does not match the payload');
    const eventHash = await sha256Tagged(canonicalJson(hashedObject(event)));
    if (eventHash !== event.event_hash) at('event_hash does not match the event');
    previous = event.event_hash;
  }
  return { verified: problems.length === 0, problems };
}

function hashedObject(event: ChainEvent): Record<string, unknown> {
  const base: Record<string, unknown> = {
    tenant_id: event.tenant_id,
    trace_id: event.trace_id,
    trace_seq: event.trace_seq,
    event_id: event.event_id,
    event_type: event.event_type,
    occurred_at: event.occurred_at,
    recorded_at: event.recorded_at,
    source: event.source,
    actor: event.actor,
    idempotency_key: event.idempotency_key,
    correlation_id: event.correlation_id ?? null,
    causation_event_id: event.causation_event_id ?? null,
    schema_version: event.schema_version ?? 1,
    tags: event.tags ?? [],
    payload_hash: event.payload_hash,
    prev_event_hash: event.prev_event_hash,
  };
  const version = event.hash_version ?? 1;
  if (version >= 2) {
    base.recorded_by = event.recorded_by ?? null;
    base.hash_version = version;
  }
  return base;
}
