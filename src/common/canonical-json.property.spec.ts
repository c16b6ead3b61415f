import fc from 'fast-check';
import { canonicalJson, compareCodePoints } from './canonical-json';

// Properties of canonical JSON (SPEC §5.4) over generated JSON values, with fast-check's shrinking
// to the smallest failing value. The seed is fixed so a failure replays; FC_SEED overrides it.
const RUNS = { seed: Number(process.env.FC_SEED ?? 20261207), numRuns: 500 };

/** Every key order of the same object: rebuilt with its keys in a generated order, recursively. */
function shuffled(value: unknown, order: number[]): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffled(item, order));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const permuted = keys
    .map((key, i) => ({ key, rank: order[i % Math.max(order.length, 1)] ?? i }))
    .sort((a, b) => a.rank - b.rank || compareCodePoints(a.key, b.key))
    .map((entry) => entry.key);
  return Object.fromEntries(permuted.map((key) => [key, shuffled((value as Record<string, unknown>)[key], order)]));
}

describe('canonicalJson (generated values)', () => {
  const json = fc.jsonValue({ noUnicodeString: false });

  it('reads back as the value it was written from', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      RUNS,
    );
  });

  it('does not depend on the order of object keys', () => {
    fc.assert(
      fc.property(json, fc.array(fc.nat()), (value, order) => {
        expect(canonicalJson(shuffled(value, order))).toBe(canonicalJson(value));
      }),
      RUNS,
    );
  });

  it('is a fixed point: writing its own reading again gives the same text', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      RUNS,
    );
  });

  it('orders keys by code point, as sorting the decoded code points does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const byCodePoint = (s: string) => Array.from(s, (c) => c.codePointAt(0) as number);
        const x = byCodePoint(a);
        const y = byCodePoint(b);
        let expected = x.length - y.length;
        for (let i = 0; i < Math.min(x.length, y.length); i++) {
          if (x[i] !== y[i]) {
            expected = x[i] - y[i];
            break;
          }
        }
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(expected));
      }),
      RUNS,
    );
  });
});
