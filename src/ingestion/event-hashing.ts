import { canonicalJson, sha256Tagged } from '../common/canonical-json';
import type { NewEvent } from './stored-event';

export function payloadHash(payload: unknown): string {
  return sha256Tagged(canonicalJson(payload));
}

/** SPEC §5.4: the per-trace chain over every envelope field, the payload hash and the previous hash. */
export function eventHash(event: Omit<NewEvent, 'event_hash'>): string {
  return sha256Tagged(
    canonicalJson({
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
      correlation_id: event.correlation_id,
      causation_event_id: event.causation_event_id,
      schema_version: event.schema_version,
      tags: event.tags,
      payload_hash: event.payload_hash,
      prev_event_hash: event.prev_event_hash,
    }),
  );
}
