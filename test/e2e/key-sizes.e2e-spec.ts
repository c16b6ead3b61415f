import { randomBytes } from 'node:crypto';
import { anEvent } from '../factories/events';
import { act, anException, openException, overridePhrase } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

/** Incompressible text, so PostgreSQL cannot squeeze an oversized key into an index entry. */
const text = (length: number) => randomBytes(length).toString('base64url').slice(0, length);

/**
 * SPEC §3: no 500 for bad input. Ids that PostgreSQL indexes (and the workflow keys built from
 * them) are limited to 200 UTF-8 bytes, like idempotency keys: a longer one would not fit an index
 * entry (about 2.7 kB) and the write would fail. Text that is only stored may be long.
 */
describe('sizes of indexed ids (SPEC §3, §5.1)', () => {
  let api: ReturnType<typeof apiAs>;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeEach(() => {
    api = apiAs(app, uniqueTenant('keys'), DEV_TOKENS.admin);
  });

  it.each([
    ['event_id', { event_id: text(201) }, '$.event_id'],
    ['trace_id', { trace_id: text(9000) }, '$.trace_id'],
    ['source.producer_id', { source: { producer_id: text(9000), system: 'pricing' } }, '$.source.producer_id'],
  ])('refuses an envelope %s over 200 UTF-8 bytes with 400', async (_name, overrides, path) => {
    const res = await api.post('/api/v1/events', anEvent('TraceStarted', overrides)).expect(400);
    expect(res.body.error).toEqual({
      code: 'invalid_argument',
      message: `${path} must be at most 200 UTF-8 bytes`,
      details: { path },
    });
  });

  it('counts bytes, not characters, and accepts ids of exactly 200 bytes', async () => {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'é'.repeat(100) })).expect(201);
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'é'.repeat(101) })).expect(400);
  });

  it('refuses a payload key field over its limit with 422, and keeps long text that is only stored', async () => {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'wf' })).expect(201);
    const res = await api.post('/api/v1/events', anException('wf', 1, { exception_id: text(9000) })).expect(422);
    expect(res.body.error).toMatchObject({
      code: 'schema_violation',
      message: '$.payload.exception_id must be at most 200 UTF-8 bytes',
    });
    const stored = anEvent('TraceStarted', {
      trace_id: 'long-text',
      actor: { actor_id: text(9000), actor_type: 'agent' },
      tags: [text(9000)],
      correlation_id: text(9000),
    });
    await api.post('/api/v1/events', stored).expect(201);
  });

  it('runs every action on an item whose ids are at the limit; refuses longer assignees and Idempotency-Keys with 400', async () => {
    const { workflowId } = await openException(api, text(200), { exception_id: text(200) });
    await act(api, workflowId, { action: 'reassign', assigned_account_id: text(200), assigned_role: text(200) }).expect(
      200,
    );
    const assignee = await act(api, workflowId, { action: 'reassign', assigned_account_id: text(201) }).expect(400);
    expect(assignee.body.error.code).toBe('invalid_argument');
    const key = await act(
      api,
      workflowId,
      { action: 'comment', note: text(100_000) },
      { 'Idempotency-Key': text(201) },
    ).expect(400);
    expect(key.body.error.message).toBe('Idempotency-Key must be at most 200 UTF-8 bytes');
    await act(api, workflowId, { action: 'comment', note: text(100_000) }, { 'Idempotency-Key': text(200) }).expect(
      200,
    );
    await act(api, workflowId, { action: 'escalate', reason: 'stuck' }).expect(200);
    const overridden = await act(api, workflowId, {
      action: 'override',
      reason: 'ok',
      confirm_text: overridePhrase(workflowId),
    }).expect(200);
    expect(overridden.body.data.workflow.status).toBe('overridden');
  });
});
