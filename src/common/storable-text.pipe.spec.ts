import { DomainError } from './error-codes';
import { MAX_BODY_DEPTH, StorableTextPipe } from './storable-text.pipe';

class SomeDto {}

describe(StorableTextPipe.name, () => {
  const pipe = new StorableTextPipe();
  const refusal = (run: () => unknown) => {
    try {
      run();
    } catch (e) {
      return {
        code: (e as DomainError).code,
        message: (e as DomainError).message,
        details: (e as DomainError).details,
      };
    }
    return undefined;
  };

  it('passes values without a NUL character through unchanged', () => {
    const body = { note: 'fine', evidence: [{ a: 'b' }, 3, null] };
    expect(pipe.transform(body, { type: 'body', metatype: SomeDto })).toBe(body);
    expect(pipe.transform('wf-1', { type: 'param', data: 'workflow_id', metatype: String })).toBe('wf-1');
  });

  it('names the path parameter', () => {
    expect(refusal(() => pipe.transform('a\u0000b', { type: 'param', data: 'workflow_id', metatype: String }))).toEqual(
      {
        code: 'invalid_argument',
        message: 'workflow_id must not contain a NUL character',
        details: { fields: ['workflow_id'] },
      },
    );
  });

  it('names the query parameter, in a whole query object or alone', () => {
    expect(
      refusal(() => pipe.transform({ limit: '5', status: ['open', 'x\u0000'] }, { type: 'query', metatype: SomeDto }))
        ?.message,
    ).toBe('status[1] must not contain a NUL character');
    expect(refusal(() => pipe.transform('\u0000', { type: 'query', data: 'cursor' }))?.message).toBe(
      'cursor must not contain a NUL character',
    );
  });

  it('gives a DTO body the JSON path, keys included', () => {
    expect(
      refusal(() => pipe.transform({ evidence: [{ note: 'a\u0000' }] }, { type: 'body', metatype: SomeDto })),
    ).toMatchObject({
      message: '$.evidence[0].note must not contain a NUL character',
      details: { path: '$.evidence[0].note' },
    });
    expect(refusal(() => pipe.transform({ ['k\u0000']: 1 }, { type: 'body', metatype: SomeDto }))).toMatchObject({
      message: '$.k\u0000 has a NUL character in its key',
      details: { path: '$.k\u0000' },
    });
  });

  it('refuses unpaired surrogates, which PostgreSQL cannot store, in values and keys', () => {
    expect(refusal(() => pipe.transform({ note: 'a\ud800b' }, { type: 'body', metatype: SomeDto }))?.message).toBe(
      '$.note must be well-formed Unicode (no unpaired surrogates)',
    );
    expect(
      refusal(() => pipe.transform({ evidence: [{ ['\udfff']: 1 }] }, { type: 'body', metatype: SomeDto }))?.message,
    ).toBe('$.evidence[0].\udfff has an unpaired surrogate in its key');
    expect(refusal(() => pipe.transform('\ud83d', { type: 'param', data: 'workflow_id' }))?.message).toBe(
      'workflow_id must be well-formed Unicode (no unpaired surrogates)',
    );
    expect(pipe.transform({ note: 'emoji \ud83d\ude00 ok' }, { type: 'body', metatype: SomeDto })).toEqual({
      note: 'emoji \ud83d\ude00 ok',
    });
  });

  it('refuses a body nested deeper than the event payload limit, without recursing', () => {
    const nest = (levels: number): unknown => {
      let value: unknown = [];
      for (let i = 1; i < levels; i++) value = [value];
      return value;
    };
    expect(pipe.transform({ evidence: nest(MAX_BODY_DEPTH - 1) }, { type: 'body', metatype: SomeDto })).toBeDefined();
    expect(
      refusal(() => pipe.transform({ evidence: nest(MAX_BODY_DEPTH) }, { type: 'body', metatype: SomeDto }))?.message,
    ).toMatch(/ is nested deeper than 64 levels$/);
    expect(refusal(() => pipe.transform({ evidence: nest(100_000) }, { type: 'body', metatype: SomeDto }))?.code).toBe(
      'invalid_argument',
    );
  });

  it('leaves untyped bodies (the event routes check their own) and custom arguments alone', () => {
    expect(pipe.transform({ a: '\u0000' }, { type: 'body', metatype: Object })).toEqual({ a: '\u0000' });
    expect(pipe.transform('\u0000', { type: 'custom' })).toBe('\u0000');
  });
});
