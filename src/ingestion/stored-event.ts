import type { EventInput } from './event-types';

/** An event as the log holds it and the API returns it (SPEC §5.1, §5.4). */
export type StoredEvent = EventInput & {
  tenant_id: string;
  log_seq: number;
  recorded_at: string;
  payload_hash: string;
  prev_event_hash: string | null;
  event_hash: string;
  /** SPEC §11.1: the account whose request appended it; null on events stored before attribution. */
  recorded_by: string | null;
  /** Which formula `event_hash` was computed with (event-hashing.ts). */
  hash_version: EventHashVersion;
};

/** 1: SPEC §5.4's formula; 2 (everything recorded since §11): the same plus recorded_by and hash_version. */
export type EventHashVersion = 1 | 2;
export const CURRENT_HASH_VERSION: EventHashVersion = 2;

/** An event whose log_seq the database has not assigned yet. */
export type NewEvent = Omit<StoredEvent, 'log_seq'>;

/** The fields of SPEC §5.5 compared on an idempotent replay (event_id and trace_seq are not). */
export const REPLAY_FIELDS = [
  'payload',
  'trace_id',
  'event_type',
  'source',
  'actor',
  'correlation_id',
  'causation_event_id',
  'schema_version',
  'tags',
] as const;

/** The trace's state an append needs: read under the trace lock. */
export type TraceState = {
  trace_id: string;
  workflow: string | null;
  title: string | null;
  primary_entity_type: string | null;
  primary_entity_system: string | null;
  primary_entity_id: string | null;
  started_at: string | null;
  finished_at: string | null;
  outcome: string | null;
  event_count: number;
  last_log_seq: number;
  last_trace_seq: number;
  last_event_hash: string;
};
