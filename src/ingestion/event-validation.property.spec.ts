import fc from 'fast-check';
import { DomainError, ERROR_STATUS } from '../common/error-codes';
import { EVENT_TYPES } from './event-types';
import { anEvent, type Body, validateText } from '../../test/factories/event-validation';

// Validation over generated envelopes (SPEC §5.1–5.3): whatever a producer sends, the answer is the
// event or a client error with a JSON path, never a crash (which the service would answer 500).
// The seed is fixed so a failure replays; FC_SEED overrides it.
const RUNS = { seed: Number(process.env.FC_SEED ?? 20261207), numRuns: 1000 };

/** The outcome as the client would see it: accepted, or refused with a 4xx code and a path. */
function outcome(text: string): 'accepted' | { status: number; path: unknown } {
  try {
    validateText(text);
    return 'accepted';
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { status: ERROR_STATUS[error.code], path: error.details.path };
  }
}

/** Accepted, or refused with a 4xx at a JSON path from the request's root. */
function expectClientOutcome(text: string): void {
  const result = outcome(text);
  if (result === 'accepted') return;
  expect(result.status).toBeGreaterThanOrEqual(400);
  expect(result.status).toBeLessThan(500);
  expect(String(result.path)).toMatch(/^\$/);
}

/** A path into a valid envelope: top-level members and the members of its objects. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, v]) => pathsOf(v, [...prefix, key]))];
}

function setAt(body: Body, path: string[], replacement: unknown): Body {
  if (!path.length) return replacement as Body;
  const copy = structuredClone(body);
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1];
  if (replacement === undefined) delete node[last];
  else node[last] = replacement;
  return copy;
}

const base = anEvent();
const paths = pathsOf(base);
const anyJson = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(undefined, '', ' ', '\u0000', -1, 2 ** 53, 1.5, 'x'.repeat(10_000), [], {}, null, true),
);

describe('validateEvent (generated envelopes)', () => {
  it('refuses any one member replaced by any JSON value (or removed) with a 4xx, or accepts it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...paths), anyJson, (path, replacement) => {
        expectClientOutcome(JSON.stringify(setAt(base, path, replacement)) ?? 'null');
      }),
      RUNS,
    );
  });

  it('answers every event type with any payload by acceptance or a 4xx at a path under $', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_TYPES), fc.jsonValue(), (eventType, payload) => {
        expectClientOutcome(JSON.stringify({ ...base, event_type: eventType, payload }));
      }),
      RUNS,
    );
  });

  it('accepts the valid envelope whatever order its members are written in', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(Object.keys(base), { minLength: Object.keys(base).length }), (keys) => {
        const text = `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(base[k])}`).join(',')}}`;
        expect(outcome(text)).toBe('accepted');
      }),
      RUNS,
    );
  });
});
