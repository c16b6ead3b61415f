import { firstPathUnder, memberPath, scanJsonNumbers } from './json-number-scan';

describe(scanJsonNumbers.name, () => {
  it.each([
    ['1.0', '{"a":1.0}'],
    ['-0.5', '{"a":-0.5}'],
    ['1e2', '{"a":1e2}'],
    ['1E-3', '{"a":1E-3}'],
    ['2e+5', '{"a":2e+5}'],
  ])('reports a float written as %s', (_token, text) => {
    expect(scanJsonNumbers(text)).toEqual({ floats: ['$.a'], unsafeIntegers: [] });
  });

  it('reports nothing for integers, literals and strings', () => {
    const text = '{"a":1,"b":-2,"c":0,"d":true,"e":false,"f":null,"g":"x","h":[],"i":{}}';
    expect(scanJsonNumbers(text)).toEqual({ floats: [], unsafeIntegers: [] });
  });

  it('does not report numbers written inside strings', () => {
    expect(scanJsonNumbers('{"a":"1.5","b":["2e3 and -0.5"],"1.5":3}').floats).toEqual([]);
  });

  it('reads past escaped quotes and backslashes in strings', () => {
    const text = String.raw`{"a":"say \"1.5\" \\","b\"c":2.5,"d":"\\\"","e":[0.1]}`;
    expect(scanJsonNumbers(text).floats).toEqual(['$["b\\"c"]', '$.e[0]']);
  });

  it('decodes unicode escapes in keys', () => {
    expect(scanJsonNumbers(String.raw`{"caf\u00e9":1.5,"\u0061b":2.5}`).floats).toEqual(['$["café"]', '$.ab']);
  });

  it('writes paths through nested arrays and objects', () => {
    const text = '{"a":{"b":[1,[2,3.5]]},"c":[{"d":1},{"e":0.5}]}';
    expect(scanJsonNumbers(text).floats).toEqual(['$.a.b[1][1]', '$.c[1].e']);
  });

  it('writes keys that are not plain identifiers in brackets', () => {
    const text = '{"odd key":1.5,"_ok9":1.5,"9x":1.5,"a-b":1.5,"":1.5}';
    expect(scanJsonNumbers(text).floats).toEqual(['$["odd key"]', '$._ok9', '$["9x"]', '$["a-b"]', '$[""]']);
  });

  it('reports a float at the root', () => {
    expect(scanJsonNumbers(' 1.5 ').floats).toEqual(['$']);
  });

  it('reports integers beyond ±(2^53-1) and passes the largest safe ones', () => {
    const text =
      '{"a":9007199254740992,"b":-9007199254740992,"c":9007199254740991,"d":-9007199254740991,"e":123456789012345678901}';
    expect(scanJsonNumbers(text)).toEqual({ floats: [], unsafeIntegers: ['$.a', '$.b', '$.e'] });
  });

  it('counts a large number with a fraction or exponent as a float, not an unsafe integer', () => {
    expect(scanJsonNumbers('{"a":9007199254740993.0,"b":1e300}')).toEqual({
      floats: ['$.a', '$.b'],
      unsafeIntegers: [],
    });
  });

  it('reports every number up to depth 3, and below that the first of each depth-3 subtree', () => {
    const text = '{"events":[{"trace_seq":1.0,"payload":{"a":{"b":[1.5,2.5]},"c":3.5}},{"payload":[[0.5]]}]}';
    expect(scanJsonNumbers(text).floats).toEqual([
      '$.events[0].trace_seq',
      '$.events[0].payload.a.b[0]',
      '$.events[1].payload[0][0]',
    ]);
  });

  it('scans a 1 MiB body to its last number', () => {
    const item = '{"id":"evt-1","n":12345,"s":"text with \\"quotes\\" and 1.5","list":[1,2,3,{"x":true}],"f":0.25}';
    const text = `{"events":[${Array.from({ length: Math.ceil(2 ** 20 / item.length) }, () => item).join(',')}]}`;
    const result = scanJsonNumbers(text);
    expect(result.floats.at(-1)).toMatch(/^\$\.events\[\d+\]\.f$/);
  });

  it('handles hostile bodies: deep nesting and long keys over many floats', () => {
    const deep = `${'['.repeat(250_000)}${Array(50_000).fill('1.5').join(',')}${']'.repeat(250_000)}`;
    const longKey = `{"${'k'.repeat(500_000)}":[${Array(120_000).fill('1.5').join(',')}]}`;
    expect(scanJsonNumbers(deep).floats).toHaveLength(1);
    const { floats } = scanJsonNumbers(longKey);
    expect(floats).toHaveLength(120_000);
    expect(floats[0]).toBe(`$["${'k'.repeat(64)}…"][0]`);
  });
});

describe(firstPathUnder.name, () => {
  const text =
    '{"extra":[0.5],"events":[{"trace_seq":1,"payload":{"a":1}},{"trace_seq":2.0,"payload":{"a":{"b":{"c":[1,0.5]}}}}]}';
  const { floats } = scanJsonNumbers(text);

  it('finds the first number at or under a path', () => {
    expect(firstPathUnder(floats, '$.events[1].payload')).toBe('$.events[1].payload.a.b.c[1]');
    expect(firstPathUnder(floats, '$.events[1].trace_seq')).toBe('$.events[1].trace_seq');
    expect(firstPathUnder(floats, '$.events')).toBe('$.events[1].trace_seq');
    expect(firstPathUnder(floats, '$')).toBe('$.extra[0]');
  });

  it('finds nothing under a path without floats', () => {
    expect(firstPathUnder(floats, '$.events[0].payload')).toBeUndefined();
    expect(firstPathUnder(floats, '$.events[0].trace_seq')).toBeUndefined();
  });

  it('does not mistake a sibling with a longer name for a child', () => {
    expect(firstPathUnder(scanJsonNumbers('{"payloads":{"a":0.5}}').floats, '$.payload')).toBeUndefined();
    expect(firstPathUnder(['$.payloads.a', '$.payload[2]'], '$.payload')).toBe('$.payload[2]');
  });
});

describe(memberPath.name, () => {
  it('uses dot notation for identifiers and JSON strings in brackets otherwise', () => {
    expect(memberPath('$', 'policy_id')).toBe('$.policy_id');
    expect(memberPath('$.a', 'say "hi"')).toBe('$.a["say \\"hi\\""]');
  });
});
