import { validateEvent } from './event-validation';
import { anEvent, Body, refusal, refusalOf, validate, validateText } from '../../test/factories/event-validation';

describe(validateEvent.name, () => {
  describe('a valid event', () => {
    it('is returned normalised', () => {
      const input = validate(
        anEvent({
          occurred_at: '2026-01-02T03:04:05.123456+02:00',
          source: { producer_id: ' policy-engine ', system: 'refunds\t', subsystem: ' eu ' },
          tags: [' vip ', 'refund'],
        }),
      );
      expect(input).toEqual({
        event_id: 'evt-1',
        trace_id: 'trace-1',
        trace_seq: 1,
        event_type: 'PolicyEvaluated',
        occurred_at: '2026-01-02T01:04:05.123Z',
        source: { producer_id: 'policy-engine', system: 'refunds', subsystem: 'eu' },
        actor: { actor_id: 'agent-7', actor_type: 'agent' },
        idempotency_key: 'idem-1',
        payload: { policy: { policy_id: 'refund-limit', policy_version: 'v3' }, inputs: [], decision: 'deny' },
        correlation_id: null,
        causation_event_id: null,
        schema_version: 1,
        tags: ['vip', 'refund'],
      });
    });

    it('keeps the payload exactly as sent', () => {
      const payload = {
        policy: { policy_id: ' Refund-Limit ', policy_version: 'V3' },
        inputs: [' A '],
        decision: 'deny',
        Note: ' x ',
      };
      expect(validate(anEvent({ payload })).payload).toEqual(payload);
    });

    it('leaves out a blank subsystem and keeps the optional ids', () => {
      const input = validate(
        anEvent({
          source: { producer_id: 'p', system: 's', subsystem: ' ' },
          correlation_id: 'c-1',
          causation_event_id: 'evt-0',
        }),
      );
      expect(input.source).toEqual({ producer_id: 'p', system: 's' });
      expect([input.correlation_id, input.causation_event_id]).toEqual(['c-1', 'evt-0']);
    });

    it('treats null optional fields as absent', () => {
      const input = validate(
        anEvent({ correlation_id: null, causation_event_id: null, schema_version: null, tags: null }),
      );
      expect([input.correlation_id, input.causation_event_id, input.schema_version, input.tags]).toEqual([
        null,
        null,
        1,
        [],
      ]);
    });

    it('accepts trace_seq 0 and a schema_version above 1', () => {
      const input = validate(anEvent({ trace_seq: 0, schema_version: 2 }));
      expect([input.trace_seq, input.schema_version]).toEqual([0, 2]);
    });

    it('ignores members the envelope does not define, floats included', () => {
      const text = JSON.stringify(anEvent()).replace(/^\{/, '{"extra":1.5,"more":{"x":0.5},');
      expect(validateText(text).event_id).toBe('evt-1');
    });
  });

  describe('the envelope, row by row', () => {
    it.each([
      ['an array', []],
      ['a string', 'event'],
      ['null', null],
    ])('refuses a body that is %s with 400', (_name, body) => {
      expect(refusalOf(body)).toMatchObject({ status: 400, code: 'invalid_argument', details: { path: '$' } });
    });

    it.each([
      ['event_id', undefined, 'is required'],
      ['event_id', '   ', 'must be a non-blank string'],
      ['event_id', 12, 'must be a non-blank string'],
      ['trace_id', undefined, 'is required'],
      ['trace_id', '', 'must be a non-blank string'],
      ['trace_seq', undefined, 'is required'],
      ['trace_seq', '1', 'must be an integer >= 0'],
      ['trace_seq', -1, 'must be an integer >= 0'],
      ['trace_seq', 1.5, 'must be an integer >= 0'],
      ['trace_seq', 2 ** 53, 'must be an integer >= 0'],
    ])('refuses %s = %p with 400', (field, value, problem) => {
      expect(refusalOf(anEvent({ [field]: value }))).toEqual({
        status: 400,
        code: 'invalid_argument',
        message: `$.${field} ${problem}`,
        details: { path: `$.${field}` },
      });
    });

    it('refuses a trace_seq written as 1.0 with 400', () => {
      const text = JSON.stringify(anEvent()).replace('"trace_seq":1', '"trace_seq":1.0');
      expect(refusal(() => validateText(text))).toMatchObject({
        status: 400,
        message: '$.trace_seq must be an integer >= 0',
      });
    });

    it('refuses a trace_seq beyond 2^53-1 written in full with 400', () => {
      const text = JSON.stringify(anEvent()).replace('"trace_seq":1', '"trace_seq":9007199254740993');
      expect(refusal(() => validateText(text))).toMatchObject({ status: 400, details: { path: '$.trace_seq' } });
    });

    it.each([undefined, 'policyEvaluated', 'Unknown', 3])(
      'refuses event_type %p with 422 schema_violation',
      (value) => {
        expect(refusalOf(anEvent({ event_type: value }))).toMatchObject({
          status: 422,
          code: 'schema_violation',
          details: { path: '$.event_type' },
        });
      },
    );

    it.each([
      ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000Z'],
      ['2026-01-02T03:04:05.123456+02:00', '2026-01-02T01:04:05.123Z'],
      ['2026-01-02T03:04:05-05:30', '2026-01-02T08:34:05.000Z'],
      ['2026-01-02t03:04:05.5z', '2026-01-02T03:04:05.500Z'],
      ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ])('normalises occurred_at %s to %s', (value, expected) => {
      expect(validate(anEvent({ occurred_at: value })).occurred_at).toBe(expected);
    });

    it.each([
      undefined,
      20260102,
      '2026-01-02T03:04:05',
      '2026-01-02',
      '2026-13-02T03:04:05Z',
      '2026-02-30T03:04:05Z',
      '2025-02-29T03:04:05Z',
      '2026-01-02T24:00:00Z',
      '2026-12-31T23:59:60Z',
      '2026-01-02T03:04:05+25:00',
      '2026-01-02 03:04:05Z',
      '2026-01-02T03:04Z',
      'Fri, 02 Jan 2026 03:04:05 GMT',
    ])('refuses occurred_at %p with 400', (value) => {
      expect(refusalOf(anEvent({ occurred_at: value }))).toMatchObject({
        status: 400,
        code: 'invalid_argument',
        details: { path: '$.occurred_at' },
      });
    });

    it.each([
      [undefined, '$.source', 'is required'],
      ['policy-engine', '$.source', 'must be an object'],
      [{ system: 's' }, '$.source.producer_id', 'is required'],
      [{ producer_id: ' ', system: 's' }, '$.source.producer_id', 'must be a non-blank string'],
      [{ producer_id: 'p' }, '$.source.system', 'is required'],
      [{ producer_id: 'p', system: 's', subsystem: 4 }, '$.source.subsystem', 'must be a string'],
    ])('refuses source %p with 400', (value, path, problem) => {
      expect(refusalOf(anEvent({ source: value }))).toEqual({
        status: 400,
        code: 'invalid_argument',
        message: `${path} ${problem}`,
        details: { path },
      });
    });

    it.each([
      [undefined, 400, '$.actor'],
      [[], 400, '$.actor'],
      [{ actor_type: 'agent' }, 400, '$.actor.actor_id'],
      [{ actor_id: '', actor_type: 'agent' }, 400, '$.actor.actor_id'],
      [{ actor_id: 'a' }, 422, '$.actor.actor_type'],
      [{ actor_id: 'a', actor_type: 'robot' }, 422, '$.actor.actor_type'],
      [{ actor_id: 'a', actor_type: 'Agent' }, 422, '$.actor.actor_type'],
    ])('refuses actor %p with %i', (value, status, path) => {
      expect(refusalOf(anEvent({ actor: value }))).toMatchObject({ status, details: { path } });
    });

    it('names the actor types it accepts', () => {
      expect(refusalOf(anEvent({ actor: { actor_id: 'a', actor_type: 'robot' } })).message).toBe(
        '$.actor.actor_type must be one of agent, person, role, system',
      );
    });

    it.each([
      ['missing', undefined],
      ['empty', ''],
      ['a number', 7],
      ['with a NUL character', 'idem\u0000'],
      ['201 UTF-8 bytes long', 'é'.repeat(100) + 'x'],
    ])('refuses an idempotency_key that is %s with 400', (_name, value) => {
      expect(refusalOf(anEvent({ idempotency_key: value }))).toMatchObject({
        status: 400,
        details: { path: '$.idempotency_key' },
      });
    });

    it.each([
      ['event_id', { event_id: 'x'.repeat(201) }, '$.event_id'],
      ['trace_id', { trace_id: 'é'.repeat(101) }, '$.trace_id'],
      ['source.producer_id', { source: { producer_id: 'x'.repeat(201), system: 'pricing' } }, '$.source.producer_id'],
    ])('refuses an indexed id (%s) over 200 UTF-8 bytes with 400', (_name, overrides, path) => {
      expect(refusalOf(anEvent(overrides))).toMatchObject({
        status: 400,
        message: `${path} must be at most 200 UTF-8 bytes`,
        details: { path },
      });
      expect(validate(anEvent({ trace_id: 'é'.repeat(100) })).trace_id).toHaveLength(100);
    });

    it('accepts an idempotency_key of exactly 200 UTF-8 bytes', () => {
      expect(validate(anEvent({ idempotency_key: 'é'.repeat(100) })).idempotency_key).toHaveLength(100);
    });

    it.each([
      ['correlation_id', 5],
      ['causation_event_id', { id: 'x' }],
    ])('refuses a %s that is not a string with 400', (field, value) => {
      expect(refusalOf(anEvent({ [field]: value }))).toEqual({
        status: 400,
        code: 'invalid_argument',
        message: `$.${field} must be a string`,
        details: { path: `$.${field}` },
      });
    });

    it.each([0, -1, '2', 1.5, 2_147_483_648, Number.MAX_SAFE_INTEGER])(
      'refuses schema_version %p with 422',
      (value) => {
        expect(refusalOf(anEvent({ schema_version: value }))).toMatchObject({
          status: 422,
          code: 'schema_violation',
          message: '$.schema_version must be an integer from 1 to 2147483647',
        });
      },
    );

    it('accepts the largest schema_version the column holds', () => {
      expect(validate(anEvent({ schema_version: 2_147_483_647 })).schema_version).toBe(2_147_483_647);
    });

    it('refuses a schema_version written as 1.0 with 422', () => {
      const text = JSON.stringify(anEvent({ schema_version: 1 })).replace('"schema_version":1', '"schema_version":1.0');
      expect(refusal(() => validateText(text))).toMatchObject({ status: 422, details: { path: '$.schema_version' } });
    });

    it.each([
      ['vip', '$.tags', 'must be an array of non-blank strings'],
      [['ok', ' '], '$.tags[1]', 'must be a non-blank string'],
      [['ok', 3], '$.tags[1]', 'must be a non-blank string'],
      [['a\u0000b'], '$.tags[0]', 'must not contain a NUL character'],
    ])('refuses tags %p with 400', (value, path, problem) => {
      expect(refusalOf(anEvent({ tags: value }))).toEqual({
        status: 400,
        code: 'invalid_argument',
        message: `${path} ${problem}`,
        details: { path },
      });
    });

    it.each([
      ['event_id', { event_id: 'evt\u0000' }, '$.event_id'],
      ['source.system', { source: { producer_id: 'p', system: 's\u0000' } }, '$.source.system'],
      ['actor.actor_id', { actor: { actor_id: 'a\u0000', actor_type: 'agent' } }, '$.actor.actor_id'],
      ['correlation_id', { correlation_id: '\u0000' }, '$.correlation_id'],
    ])('refuses a NUL character in %s with 400', (_name, overrides, path) => {
      expect(refusalOf(anEvent(overrides))).toEqual({
        status: 400,
        code: 'invalid_argument',
        message: `${path} must not contain a NUL character`,
        details: { path },
      });
    });
  });

  describe('the order of the rules', () => {
    it.each([
      ['event_id before trace_id', { event_id: '', trace_id: '' }, '$.event_id'],
      ['trace_seq (400) before event_type (422)', { trace_seq: -1, event_type: 'Nope' }, '$.trace_seq'],
      ['event_type (422) before occurred_at (400)', { event_type: 'Nope', occurred_at: 'yesterday' }, '$.event_type'],
      ['occurred_at before source', { occurred_at: 'yesterday', source: null }, '$.occurred_at'],
      ['source before actor', { source: null, actor: null }, '$.source'],
      ['actor_id (400) before actor_type (422)', { actor: { actor_id: ' ', actor_type: 'robot' } }, '$.actor.actor_id'],
      ['actor before idempotency_key', { actor: null, idempotency_key: '' }, '$.actor'],
      ['idempotency_key before payload', { idempotency_key: '', payload: null }, '$.idempotency_key'],
      ['payload (422) before correlation_id (400)', { payload: null, correlation_id: 1 }, '$.payload'],
      ['correlation_id before causation_event_id', { correlation_id: 1, causation_event_id: 1 }, '$.correlation_id'],
      [
        'causation_event_id (400) before schema_version (422)',
        { causation_event_id: 1, schema_version: 0 },
        '$.causation_event_id',
      ],
      ['schema_version (422) before tags (400)', { schema_version: 0, tags: 'x' }, '$.schema_version'],
      [
        'validation before the secret guard',
        { payload: { note: 'token=abc' }, tags: 'x' },
        '$.payload.policy.policy_id',
      ],
    ])('checks %s', (_name, overrides, path) => {
      expect(refusalOf(anEvent(overrides)).details).toEqual({ path });
    });
  });

  describe('a batch item', () => {
    const batch = (events: Body[]) => JSON.stringify({ events });

    it('names paths under its own index', () => {
      const text = batch([anEvent(), anEvent(), anEvent(), anEvent({ payload: { inputs: [], decision: 'deny' } })]);
      expect(refusal(() => validateText(text, '$.events[3]'))).toMatchObject({
        status: 422,
        message: '$.events[3].payload.policy.policy_id is required',
        details: { path: '$.events[3].payload.policy.policy_id' },
      });
    });

    it('sees only its own floats', () => {
      const text = batch([anEvent({ payload: { ...(anEvent().payload as Body), n: 1 } }), anEvent()]).replace(
        '"n":1',
        '"n":1.0',
      );
      expect(validateText(text, '$.events[1]').event_id).toBe('evt-1');
      expect(refusal(() => validateText(text, '$.events[0]')).details).toEqual({ path: '$.events[0].payload.n' });
    });

    it('names a float trace_seq under its index', () => {
      const text = batch([anEvent(), anEvent()]).replace(/"trace_seq":1(?![\s\S]*"trace_seq")/, '"trace_seq":1.0');
      expect(refusal(() => validateText(text, '$.events[1]'))).toMatchObject({
        status: 400,
        details: { path: '$.events[1].trace_seq' },
      });
    });
  });
});
