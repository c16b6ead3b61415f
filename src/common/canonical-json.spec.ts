import { canonicalJson, compareCodePoints, sha256Hex, sha256Tagged } from './canonical-json';

describe(canonicalJson.name, () => {
  it('sorts object keys and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: 2, c: { z: true, y: false } })).toBe('{"a":2,"b":1,"c":{"y":false,"z":true}}');
  });

  it('sorts keys by code point, putting an astral key after a BMP key above U+D800', () => {
    // UTF-16 order would put U+1F600 (D83D DE00) before U+FFFD and U+E000.
    const value = { '\u{1F600}': 1, '\uFFFD': 2, '\uE000': 3, z: 4 };
    expect(canonicalJson(value)).toBe('{"z":4,"\uE000":3,"\uFFFD":2,"\u{1F600}":1}');
  });

  it('orders astral keys among themselves by code point', () => {
    expect(canonicalJson({ '\u{1F601}': 1, '\u{10000}': 2, '\u{1F600}': 3 })).toBe(
      '{"\u{10000}":2,"\u{1F600}":3,"\u{1F601}":1}',
    );
  });

  it('puts a key before the longer keys it is a prefix of', () => {
    expect(canonicalJson({ ab: 1, a: 2, b: 3 })).toBe('{"a":2,"ab":1,"b":3}');
  });

  it('writes non-ASCII and astral characters raw', () => {
    expect(canonicalJson({ name: 'Zoë 😀 日本' })).toBe('{"name":"Zoë 😀 日本"}');
  });

  it('writes characters given as unicode escapes raw, and escapes control characters', () => {
    const parsed = JSON.parse('{"k\\u00e9y":"\\u00fc\\ud83d\\ude00","ctl":"a\\u0001b\\n\\"\\\\"}');
    expect(canonicalJson(parsed)).toBe('{"ctl":"a\\u0001b\\n\\"\\\\","kéy":"ü😀"}');
  });

  it('keeps arrays in order and canonicalises objects nested in arrays', () => {
    const value = [3, 1, [{ b: [2, 1], a: { d: 1, c: 2 } }], 'x', null];
    expect(canonicalJson(value)).toBe('[3,1,[{"a":{"c":2,"d":1},"b":[2,1]}],"x",null]');
  });

  it('omits undefined members and writes undefined array items as null, as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
  });

  it('writes numbers as JSON does', () => {
    expect(canonicalJson([0, -0, -12, 1e21, 9007199254740991])).toBe('[0,0,-12,1e+21,9007199254740991]');
  });

  it('honours toJSON, so a Date is written as its ISO string', () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) })).toBe('{"at":"2026-01-02T03:04:05.000Z"}');
  });

  it('gives a value and its JSON round trip the same text', () => {
    const value = { z: [1, { y: 'ü', x: undefined }], a: { '\u{1F600}': 1, '\uFFFD': 2 } };
    expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a bigint', 1n],
    ['a function', () => 1],
    ['a function member', { f: () => 1 }],
    ['a symbol', Symbol('s')],
    ['undefined', undefined],
  ])('throws on %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });
});

describe(compareCodePoints.name, () => {
  it('orders by code point where UTF-16 order differs', () => {
    expect(compareCodePoints('\uFFFD', '\u{1F600}')).toBeLessThan(0);
    expect(compareCodePoints('\u{1F600}', '\uE000')).toBeGreaterThan(0);
    expect(compareCodePoints('a', 'a')).toBe(0);
  });
});

describe(sha256Tagged.name, () => {
  // Expected values from `printf '%s' '<text>' | sha256sum`.
  it('hashes the empty string', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('prefixes the hex digest with sha256:', () => {
    expect(sha256Tagged('{"a":1}')).toBe('sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
  });

  it('hashes the canonical form of an object', () => {
    const value = { b: { d: true, c: null }, a: [1, 'é'] };
    expect(sha256Tagged(canonicalJson(value))).toBe(
      'sha256:b5eaf5cf8c6dc0d95e744a9a8e4c86a48c78a321a99883366a7721a1f6e44164',
    );
  });

  it('hashes the UTF-8 bytes of non-ASCII and astral characters', () => {
    expect(sha256Tagged(canonicalJson({ é: '😀' }))).toBe(
      'sha256:5b1d7df2c21dc54efccf82e1619e4bb36e2c98b777cccf238af48a4e11f36585',
    );
  });
});
