import { canonicalJson, sha256Tagged } from '../common/canonical-json';
import type { NewEvent } from './stored-event';

export function payloadHash(payload: unknown): string {
  return sha256Tagged(canonicalJson(payload));
}

/**
 * SPEC §5.4: the per-trace chain over every envelope field, the payload hash and the previous hash.
 * Each event is hashed by its own version's formula (SPEC §11.1), so a chain may span both: version
 * 2 adds `recorded_by` and `hash_version`; an event without a version is version 1.
 */
export function eventHash(
  event: Omit<NewEvent, 'event_hash' | 'recorded_by' | 'hash_version'> &
    Partial<Pick<NewEvent, 'recorded_by' | 'hash_version'>>,
): string {
  const attribution =
    event.hash_version === 2 ? { recorded_by: event.recorded_by ?? null, hash_version: event.hash_version } : {};
  return sha256Tagged(
    canonicalJson({
      ...attribution,
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
