import { canonicalJson as serverCanonicalJson, sha256Tagged as serverSha256 } from '../../../src/common/canonical-json';
import { eventHash, payloadHash } from '../../../src/ingestion/event-hashing';
import { canonicalJson, sha256Tagged } from './canonical-json';
import { ChainEvent, verifyChain } from './verify-chain';

/** A chain of stored events hashed by the service's own functions (hash version 1). */
function aServerChain(length: number): ChainEvent[] {
  const events: ChainEvent[] = [];
  let prev: string | null = null;
  for (let seq = 0; seq < length; seq++) {
    const payload = { reason: `step ${seq} ✓`, amount: seq * 10, nested: { z: 1, a: [true, null] } };
    const event: Omit<ChainEvent, 'event_hash'> = {
      tenant_id: 'acme',
      trace_id: 'trace-1',
      trace_seq: seq,
      event_id: `evt-${seq}`,
      event_type: seq === 0 ? 'TraceStarted' : 'PolicyEvaluated',
      occurred_at: '2026-12-01T10:00:00.000Z',
      recorded_at: '2026-12-01T10:00:01.000Z',
      source: { producer_id: 'policy-engine', system: 'pricing' },
      actor: { actor_id: 'agent-7', actor_type: 'agent' as const },
      idempotency_key: `idem-${seq}`,
      correlation_id: null,
      causation_event_id: null,
      schema_version: 1,
      tags: ['a'],
      payload,
      payload_hash: payloadHash(payload),
      prev_event_hash: prev,
    };
    const hashed: ChainEvent = { ...event, event_hash: eventHash(event as never) };
    events.push(hashed);
    prev = hashed.event_hash;
  }
  return events;
}

describe('console chain check (SPEC §5.4)', () => {
  it('writes the same canonical JSON as the service, astral keys and non-ASCII included', () => {
    const value = { '\u{1F600}': 1, '\uFFFD': 2, b: [1, 'é', { y: null, x: false }], a: 'ü', undef: undefined };
    expect(canonicalJson(value)).toBe(serverCanonicalJson(value));
  });

  it('hashes like the service', async () => {
    expect(await sha256Tagged('{"a":"ü"}')).toBe(serverSha256('{"a":"ü"}'));
  });

  it('verifies a chain the service hashed', async () => {
    expect(await verifyChain(aServerChain(4))).toEqual({ verified: true, problems: [] });
  });

  it('finds an edited payload', async () => {
    const events = aServerChain(3);
    events[1] = { ...events[1], payload: { reason: 'edited' } };
    const verdict = await verifyChain(events);
    expect(verdict.verified).toBe(false);
    expect(verdict.problems).toEqual([
      { trace_seq: 1, event_id: 'evt-1', problem: 'payload_hash does not match the payload' },
    ]);
  });

  it('finds an edited envelope field and a removed event', async () => {
    const edited = aServerChain(3);
    edited[2] = { ...edited[2], occurred_at: '2026-12-01T11:00:00.000Z' };
    expect((await verifyChain(edited)).problems.map((p) => p.problem)).toEqual(['event_hash does not match the event']);
    const removed = aServerChain(3).filter((e) => e.trace_seq !== 1);
    expect((await verifyChain(removed)).verified).toBe(false);
  });

  it('hashes version 2 events with recorded_by and hash_version, like the service, in a chain that spans both', async () => {
    const [first, second] = aServerChain(2);
    const { event_hash: _old, ...envelope } = second;
    const v2 = { ...envelope, recorded_by: 'dev-writer', hash_version: 2 };
    const chain = [first, { ...v2, event_hash: eventHash(v2 as never) }];
    expect(await verifyChain(chain)).toEqual({ verified: true, problems: [] });
    expect((await verifyChain([first, { ...chain[1], recorded_by: 'someone-else' }])).verified).toBe(false);
    expect((await verifyChain([first, { ...chain[1], hash_version: 1 }])).verified).toBe(false);
  });
});
