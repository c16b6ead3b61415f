import { DomainError } from '../common/error-codes';
import { MAX_PAYLOAD_DEPTH, validateEvent } from './event-validation';
import { anEvent, Body, refusal, refusalOf, validate, validateText } from '../../test/factories/event-validation';

describe(`${validateEvent.name}: payloads and the secret guard`, () => {
  describe('the payload', () => {
    it.each([undefined, 'text', [], null])('refuses payload %p with 422', (value) => {
      expect(refusalOf(anEvent({ payload: value }))).toMatchObject({
        status: 422,
        code: 'schema_violation',
        details: { path: '$.payload' },
      });
    });

    it('rejects a float written as 1.0 in the payload', () => {
      const text = JSON.stringify(
        anEvent({ payload: { ...(anEvent().payload as Body), facts: [{ score: 7 }] } }),
      ).replace('"score":7', '"score":7.0');
      expect(refusal(() => validateText(text))).toEqual({
        status: 422,
        code: 'schema_violation',
        message: '$.payload.facts[0].score must be an integer: payload numbers cannot be floats',
        details: { path: '$.payload.facts[0].score' },
      });
    });

    it.each(['-0.5', '1e2', '1E-3'])('rejects a float written as %s deep in the payload', (token) => {
      const deep = { a: { b: { c: { d: [0, 'x'] } } } };
      const text = JSON.stringify(anEvent({ payload: { ...(anEvent().payload as Body), deep } })).replace(
        '[0,"x"]',
        `[0,${token}]`,
      );
      expect(refusal(() => validateText(text))).toMatchObject({
        status: 422,
        details: { path: '$.payload.deep.a.b.c.d[1]' },
      });
    });

    it('rejects integers beyond ±(2^53-1) in the payload and accepts the largest safe one', () => {
      const base = JSON.stringify(anEvent({ payload: { ...(anEvent().payload as Body), n: 1 } }));
      expect(validateText(base.replace('"n":1', '"n":-9007199254740991')).payload.n).toBe(-9007199254740991);
      expect(refusal(() => validateText(base.replace('"n":1', '"n":-9007199254740992')))).toEqual({
        status: 422,
        code: 'schema_violation',
        message: '$.payload.n must be between -(2^53-1) and 2^53-1: larger integers lose precision',
        details: { path: '$.payload.n' },
      });
    });

    it('does not take numbers inside payload strings for floats', () => {
      const payload = { ...(anEvent().payload as Body), explanation: 'limit 1.5e3 exceeded by "2.5"' };
      expect(validate(anEvent({ payload })).payload).toEqual(payload);
    });

    it('reports a float before a shape problem', () => {
      const text = JSON.stringify(anEvent({ payload: { decision: 'maybe', n: 1 } })).replace('"n":1', '"n":1.0');
      expect(refusal(() => validateText(text)).details).toEqual({ path: '$.payload.n' });
    });

    it('checks the payload against the shape of its event type', () => {
      expect(
        refusalOf(anEvent({ payload: { policy: { policy_version: 'v3' }, inputs: [], decision: 'deny' } })),
      ).toEqual({
        status: 422,
        code: 'schema_violation',
        message: '$.payload.policy.policy_id is required',
        details: { path: '$.payload.policy.policy_id' },
      });
    });

    it.each([
      ['a string', { facts: ['ok', 'bad\u0000'] }, '$.payload.facts[1]', 'must not contain a NUL character'],
      ['a key', { facts: [{ 'k\u0000': 1 }] }, '$.payload.facts[0]["k\\u0000"]', 'has a NUL character in its key'],
    ])('refuses a NUL character in %s of the payload with 400', (_name, extra, path, problem) => {
      const payload = { ...(anEvent().payload as Body), ...extra };
      expect(refusalOf(anEvent({ payload }))).toEqual({
        status: 400,
        code: 'invalid_argument',
        message: `${path} ${problem}`,
        details: { path },
      });
    });

    it(`refuses a payload nested deeper than ${MAX_PAYLOAD_DEPTH} levels with 422`, () => {
      // Deeper than JSON.stringify itself can go, as a hostile body would be.
      const text = JSON.stringify(anEvent({ payload: { ...(anEvent().payload as Body), deep: 'DEEP' } })).replace(
        '"DEEP"',
        `${'['.repeat(50_000)}"leaf"${']'.repeat(50_000)}`,
      );
      const refused = refusal(() => validateText(text));
      expect(refused).toMatchObject({ status: 422, code: 'schema_violation' });
      expect(refused.message).toMatch(/^\$\.payload\.deep(\[0\]){63} is nested deeper than 64 levels$/);
    });

    it(`accepts a payload exactly ${MAX_PAYLOAD_DEPTH} levels deep`, () => {
      let deep: unknown = {};
      for (let i = 0; i < MAX_PAYLOAD_DEPTH - 2; i++) deep = [deep];
      expect(() => validate(anEvent({ payload: { ...(anEvent().payload as Body), deep } }))).not.toThrow();
    });
  });

  describe('the secret guard', () => {
    const payload = anEvent().payload as Body;

    it.each([
      [
        'a payload value',
        { payload: { ...payload, inputs: [{ header: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln' }] } },
        '$.payload.inputs[0].header',
      ],
      ['a tag', { tags: ['ok', 'password=hunter2'] }, '$.tags[1]'],
      ['the actor', { actor: { actor_id: `AKIA${'IOSFODNN7EXAMPLE'}`, actor_type: 'agent' } }, '$.actor.actor_id'],
      ['the source', { source: { producer_id: 'p', system: 's', subsystem: 'api_key=abc' } }, '$.source.subsystem'],
      ['the correlation id', { correlation_id: `sk-${'a1'.repeat(12)}` }, '$.correlation_id'],
      ['the causation id', { causation_event_id: `ghp_${'x1'.repeat(18)}` }, '$.causation_event_id'],
      ['the idempotency key', { idempotency_key: 'token=abc' }, '$.idempotency_key'],
    ])('refuses a credential in %s with 422 pii_policy_violation', (_name, overrides, path) => {
      const refused = refusalOf(anEvent(overrides));
      expect(refused).toEqual({
        status: 422,
        code: 'pii_policy_violation',
        message: `Value at ${path} looks like a credential; secrets must not be sent to the decision log`,
        details: { path },
      });
    });

    it('passes ordinary ids that merely contain credential prefixes', () => {
      const ids = [
        'task-7',
        'task-7f3a9b2c4d5e6f7a8b9c0d1e2f3a4b5c',
        'risk-score',
        'desk-12',
        'Asia',
        'the token was rotated',
      ];
      expect(validate(anEvent({ tags: ids, payload: { ...payload, inputs: ids } })).tags).toEqual(ids);
    });
  });
});

describe('values PostgreSQL cannot store', () => {
  const codeOf = (overrides: Body): string => {
    try {
      validate(anEvent(overrides));
      return 'ok';
    } catch (e) {
      return e instanceof DomainError ? e.code : String(e);
    }
  };
  const payload = (extra: Body) => ({ payload: { ...(anEvent().payload as Body), ...extra } });

  it('refuses an unpaired surrogate in an id or a payload string with 400', () => {
    expect(codeOf({ trace_id: 'a\ud800' })).toBe('invalid_argument');
    expect(codeOf(payload({ explanation: '\udc00' }))).toBe('invalid_argument');
    expect(codeOf(payload({ explanation: 'astral 😀 is fine' }))).toBe('ok');
  });

  it('refuses an occurred_at whose offset moves it outside years 1–9999', () => {
    expect(codeOf({ occurred_at: '0001-01-01T00:00:00+01:00' })).toBe('invalid_argument');
    expect(codeOf({ occurred_at: '9999-12-31T23:59:59-01:00' })).toBe('invalid_argument');
    expect(codeOf({ occurred_at: '9999-12-31T23:59:59Z' })).toBe('ok');
  });
});
