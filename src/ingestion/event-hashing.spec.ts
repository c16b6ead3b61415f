import { canonicalJson, sha256Tagged } from '../common/canonical-json';
import { eventHash } from './event-hashing';

const base = {
  tenant_id: 'acme',
  trace_id: 't-1',
  trace_seq: 1,
  event_id: 'e-1',
  event_type: 'PolicyEvaluated' as const,
  occurred_at: '2026-11-25T10:00:00.000Z',
  recorded_at: '2026-11-25T10:00:01.000Z',
  source: { producer_id: 'policy-engine', system: 'pricing' },
  actor: { actor_id: 'agent-7', actor_type: 'agent' as const },
  idempotency_key: 'k-1',
  correlation_id: null,
  causation_event_id: null,
  schema_version: 1,
  tags: [],
  payload: {},
  payload_hash: 'sha256:00',
  prev_event_hash: 'sha256:11',
};

describe(eventHash.name, () => {
  const { payload: _payload, ...hashed } = base;

  it('hashes a version 1 event over SPEC §5.4’s keys alone', () => {
    const expected = sha256Tagged(canonicalJson(hashed));
    expect(eventHash({ ...base, recorded_by: null, hash_version: 1 })).toBe(expected);
    expect(eventHash(base)).toBe(expected);
  });

  it('adds recorded_by and hash_version to the hashed object of a version 2 event', () => {
    const v2 = { ...base, recorded_by: 'policy-engine', hash_version: 2 as const };
    expect(eventHash(v2)).toBe(
      sha256Tagged(canonicalJson({ ...hashed, recorded_by: 'policy-engine', hash_version: 2 })),
    );
    expect(eventHash({ ...v2, recorded_by: 'someone-else' })).not.toBe(eventHash(v2));
    // Claiming version 1 for a version 2 event changes its hash: a downgrade is detected.
    expect(eventHash({ ...v2, hash_version: 1 })).not.toBe(eventHash(v2));
  });
});
