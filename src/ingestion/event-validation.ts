import { DomainError, type ErrorCode } from '../common/error-codes';
import { parseRfc3339 } from '../common/rfc3339';
import { ACTOR_TYPES, EVENT_TYPES, isActorType, isEventType } from './event-types';
import type { EventActor, EventInput, EventSource, EventType } from './event-types';
import { firstPathUnder, indexPath, type JsonNumberScan, memberPath } from './json-number-scan';
import { isPlainObject, validatePayload } from './payload-shapes';
import { assertNoSecrets } from './secret-guard';

/**
 * Payloads nested deeper than this are refused: JSON.stringify (and so storage) overflows the stack
 * a few thousand levels down, and bad input must never become a 500. No decision payload needs more.
 */
export const MAX_PAYLOAD_DEPTH = 64;

export const MAX_IDEMPOTENCY_KEY_BYTES = 200;
/** The ids the log indexes (with the tenant): longer ones would not fit an index entry. */
export const MAX_ID_BYTES = 200;

type Fields = Record<string, unknown>;

/**
 * Validates one event envelope (SPEC §5.1) in the order of the table's rows, so the first failure
 * wins, each with the status the SPEC gives its row; then the payload shape (§5.3) and the secret
 * guard (§5.6). `path` is `$` for a single event or `$.events[3]` for a batch item; `numbers` is
 * scanJsonNumbers over the whole request text, which is how `1.0` is told from `1`.
 *
 * NUL characters are refused (400) field by field, in each field's row, because PostgreSQL can
 * store them neither in text nor in jsonb; payload strings and keys are checked in the payload row.
 * Members the envelope does not define are ignored: they are neither stored nor hashed.
 */
export function validateEvent(body: unknown, numbers: JsonNumberScan, path = '$'): EventInput {
  if (!isPlainObject(body)) fail('invalid_argument', path, 'must be a JSON object');
  const at = (name: string) => memberPath(path, name);
  // SPEC §11.1: attribution is the server's to set, from the credentials of the request.
  if (Object.hasOwn(body, 'recorded_by')) fail('invalid_argument', at('recorded_by'), 'is set by the server');
  const event_id = indexedId(body.event_id, at('event_id'));
  const trace_id = indexedId(body.trace_id, at('trace_id'));
  const trace_seq = traceSeq(body.trace_seq, at('trace_seq'), numbers);
  const event_type = eventType(body.event_type, at('event_type'));
  const occurred_at = occurredAt(body.occurred_at, at('occurred_at'));
  const source = eventSource(body.source, at('source'));
  const actor = eventActor(body.actor, at('actor'));
  const idempotency_key = idempotencyKey(body.idempotency_key, at('idempotency_key'));
  const payload = eventPayload(body.payload, event_type, at('payload'), numbers);
  const correlation_id = optionalText(body.correlation_id, at('correlation_id'));
  const causation_event_id = optionalText(body.causation_event_id, at('causation_event_id'));
  const schema_version = schemaVersion(body.schema_version, at('schema_version'), numbers);
  const tags = eventTags(body.tags, at('tags'));
  assertNoSecrets([
    [at('payload'), payload],
    [at('tags'), tags],
    [at('actor'), actor],
    [at('source'), source],
    [at('correlation_id'), correlation_id],
    [at('causation_event_id'), causation_event_id],
    [at('idempotency_key'), idempotency_key],
  ]);
  return {
    event_id,
    trace_id,
    trace_seq,
    event_type,
    occurred_at,
    source,
    actor,
    idempotency_key,
    payload,
    correlation_id,
    causation_event_id,
    schema_version,
    tags,
  };
}

function fail(code: ErrorCode, path: string, problem: string): never {
  throw new DomainError(code, `${path} ${problem}`, { path });
}

function isMissing(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/** A present, non-blank string without NUL, returned as sent (ids are opaque, so not trimmed). */
function nonBlank(value: unknown, path: string, code: ErrorCode): string {
  if (isMissing(value)) fail(code, path, 'is required');
  if (typeof value !== 'string' || value.trim() === '') fail(code, path, 'must be a non-blank string');
  return withoutNul(value, path);
}

function indexedId(value: unknown, path: string): string {
  return atMostBytes(nonBlank(value, path, 'invalid_argument'), path, MAX_ID_BYTES);
}

function atMostBytes(value: string, path: string, max: number): string {
  if (Buffer.byteLength(value, 'utf8') > max) fail('invalid_argument', path, `must be at most ${max} UTF-8 bytes`);
  return value;
}

function withoutNul(value: string, path: string): string {
  if (value.includes('\u0000')) fail('invalid_argument', path, 'must not contain a NUL character');
  // An unpaired surrogate has no UTF-8 encoding, so PostgreSQL could not store it.
  if (!value.isWellFormed()) fail('invalid_argument', path, 'must be well-formed Unicode (no unpaired surrogates)');
  return value;
}

/** A JSON integer: `1.0` parses to 1, so the raw text decides, and an unsafe one is not an integer. */
function isWrittenAsInteger(value: unknown, path: string, numbers: JsonNumberScan): value is number {
  return Number.isSafeInteger(value) && firstPathUnder(numbers.floats, path) === undefined;
}

function traceSeq(value: unknown, path: string, numbers: JsonNumberScan): number {
  if (isMissing(value)) fail('invalid_argument', path, 'is required');
  if (!isWrittenAsInteger(value, path, numbers) || value < 0) fail('invalid_argument', path, 'must be an integer >= 0');
  return value === 0 ? 0 : value; // -0 is written back as 0
}

function eventType(value: unknown, path: string): EventType {
  if (isEventType(value)) return value;
  return fail('schema_violation', path, isMissing(value) ? 'is required' : `must be one of ${EVENT_TYPES.join(', ')}`);
}

/** RFC 3339 with a zone, normalised to UTC with milliseconds (common/rfc3339.ts). */
function occurredAt(value: unknown, path: string): string {
  if (isMissing(value)) fail('invalid_argument', path, 'is required');
  const date = typeof value === 'string' ? parseRfc3339(value) : undefined;
  if (!date)
    fail(
      'invalid_argument',
      path,
      'must be an RFC 3339 timestamp with Z or a numeric offset, e.g. 2026-01-02T03:04:05Z',
    );
  return date.toISOString();
}

function requiredObject(value: unknown, path: string, code: ErrorCode): Fields {
  if (isMissing(value)) fail(code, path, 'is required');
  if (!isPlainObject(value)) fail(code, path, 'must be an object');
  return value;
}

function eventSource(value: unknown, path: string): EventSource {
  const fields = requiredObject(value, path, 'invalid_argument');
  const trimmed = (name: string) => nonBlank(fields[name], memberPath(path, name), 'invalid_argument').trim();
  const producer_id = atMostBytes(trimmed('producer_id'), memberPath(path, 'producer_id'), MAX_ID_BYTES);
  const result: EventSource = { producer_id, system: trimmed('system') };
  const subsystem = optionalText(fields.subsystem, memberPath(path, 'subsystem'))?.trim();
  // A blank subsystem says nothing; leaving it out keeps replay comparison and the hash stable.
  if (subsystem) result.subsystem = subsystem;
  return result;
}

function eventActor(value: unknown, path: string): EventActor {
  const fields = requiredObject(value, path, 'invalid_argument');
  const actor_id = nonBlank(fields.actor_id, memberPath(path, 'actor_id'), 'invalid_argument');
  const typePath = memberPath(path, 'actor_type');
  if (!isActorType(fields.actor_type)) {
    fail(
      'schema_violation',
      typePath,
      isMissing(fields.actor_type) ? 'is required' : `must be one of ${ACTOR_TYPES.join(', ')}`,
    );
  }
  return { actor_id, actor_type: fields.actor_type };
}

function idempotencyKey(value: unknown, path: string): string {
  if (isMissing(value)) fail('invalid_argument', path, 'is required');
  if (typeof value !== 'string' || value === '') fail('invalid_argument', path, 'must be a non-empty string');
  return atMostBytes(withoutNul(value, path), path, MAX_IDEMPOTENCY_KEY_BYTES);
}

function eventPayload(value: unknown, type: EventType, path: string, numbers: JsonNumberScan): Record<string, unknown> {
  const fields = requiredObject(value, path, 'schema_violation');
  checkStructure(fields, path);
  const float = firstPathUnder(numbers.floats, path);
  if (float !== undefined) fail('schema_violation', float, 'must be an integer: payload numbers cannot be floats');
  const unsafe = firstPathUnder(numbers.unsafeIntegers, path);
  if (unsafe !== undefined) {
    fail('schema_violation', unsafe, 'must be between -(2^53-1) and 2^53-1: larger integers lose precision');
  }
  validatePayload(type, fields, path);
  return fields;
}

type Pending = { value: unknown; path: string; depth: number; key?: string };

/**
 * Depth (422) and NUL characters in strings and keys (400), first in document order. An explicit
 * stack, because this is what stands between a hostile nesting depth and every recursive walker.
 */
function checkStructure(root: Fields, rootPath: string): void {
  const pending: Pending[] = [{ value: root, path: rootPath, depth: 1 }];
  while (pending.length > 0) {
    const { value, path, depth, key } = pending.pop() as Pending;
    if (key?.includes('\u0000')) fail('invalid_argument', path, 'has a NUL character in its key');
    if (key !== undefined && !key.isWellFormed())
      fail('invalid_argument', path, 'has an unpaired surrogate in its key');
    if (typeof value === 'string') withoutNul(value, path);
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_PAYLOAD_DEPTH) fail('schema_violation', path, `is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
    const children: Pending[] = Array.isArray(value)
      ? value.map((item, i) => ({ value: item, path: indexPath(path, i), depth: depth + 1 }))
      : Object.entries(value).map(([name, item]) => ({
          value: item,
          path: memberPath(path, name),
          depth: depth + 1,
          key: name,
        }));
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
}

function optionalText(value: unknown, path: string): string | null {
  if (isMissing(value)) return null;
  if (typeof value !== 'string') fail('invalid_argument', path, 'must be a string');
  return withoutNul(value, path);
}

/** The column is a PostgreSQL integer. */
const MAX_SCHEMA_VERSION = 2_147_483_647;

function schemaVersion(value: unknown, path: string, numbers: JsonNumberScan): number {
  if (isMissing(value)) return 1;
  if (!isWrittenAsInteger(value, path, numbers) || value < 1 || value > MAX_SCHEMA_VERSION) {
    fail('schema_violation', path, `must be an integer from 1 to ${MAX_SCHEMA_VERSION}`);
  }
  return value;
}

function eventTags(value: unknown, path: string): string[] {
  if (isMissing(value)) return [];
  if (!Array.isArray(value)) fail('invalid_argument', path, 'must be an array of non-blank strings');
  return value.map((tag, i) => nonBlank(tag, indexPath(path, i), 'invalid_argument').trim());
}
