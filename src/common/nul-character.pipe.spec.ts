import { DomainError } from './error-codes';
import { NulCharacterPipe } from './nul-character.pipe';

class SomeDto {}

describe(NulCharacterPipe.name, () => {
  const pipe = new NulCharacterPipe();
  const refusal = (run: () => unknown) => {
    try {
      run();
    } catch (e) {
      return { code: (e as DomainError).code, message: (e as DomainError).message, details: (e as DomainError).details };
    }
    return undefined;
  };

  it('passes values without a NUL character through unchanged', () => {
    const body = { note: 'fine', evidence: [{ a: 'b' }, 3, null] };
    expect(pipe.transform(body, { type: 'body', metatype: SomeDto })).toBe(body);
    expect(pipe.transform('wf-1', { type: 'param', data: 'workflow_id', metatype: String })).toBe('wf-1');
  });

  it('names the path parameter', () => {
    expect(refusal(() => pipe.transform('a\u0000b', { type: 'param', data: 'workflow_id', metatype: String }))).toEqual({
      code: 'invalid_argument',
      message: 'workflow_id must not contain a NUL character',
      details: { fields: ['workflow_id'] },
    });
  });

  it('names the query parameter, in a whole query object or alone', () => {
    expect(refusal(() => pipe.transform({ limit: '5', status: ['open', 'x\u0000'] }, { type: 'query', metatype: SomeDto }))?.message).toBe('status[1] must not contain a NUL character');
    expect(refusal(() => pipe.transform('\u0000', { type: 'query', data: 'cursor' }))?.message).toBe('cursor must not contain a NUL character');
  });

  it('gives a DTO body the JSON path, keys included', () => {
    expect(refusal(() => pipe.transform({ evidence: [{ note: 'a\u0000' }] }, { type: 'body', metatype: SomeDto }))).toMatchObject({
      message: '$.evidence[0].note must not contain a NUL character',
      details: { path: '$.evidence[0].note' },
    });
    expect(refusal(() => pipe.transform({ ['k\u0000']: 1 }, { type: 'body', metatype: SomeDto }))?.details).toEqual({ path: '$.k\u0000' });
  });

  it('leaves untyped bodies (the event routes check their own) and custom arguments alone', () => {
    expect(pipe.transform({ a: '\u0000' }, { type: 'body', metatype: Object })).toEqual({ a: '\u0000' });
    expect(pipe.transform('\u0000', { type: 'custom' })).toBe('\u0000');
  });
});
