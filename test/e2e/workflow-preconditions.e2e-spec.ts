import { act, Api, detailOf, openException, traceEvents, workflowPath } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

/** SPEC §6.3 "Concurrency": ETag / If-Match and the Idempotency-Key header on actions. */
describe('workflow actions: If-Match and Idempotency-Key (SPEC §6.3)', () => {
  let api: Api;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeEach(() => {
    api = apiAs(app, uniqueTenant('wfp'), DEV_TOKENS.admin);
  });

  const etagOf = async (path: string): Promise<string> => {
    const res = await api.get(path).expect(200);
    expect(res.headers.etag).toBe(`"${res.body.data.workflow.version}"`);
    return res.headers.etag as string;
  };

  describe('If-Match', () => {
    it('answers 412 precondition_failed for a stale version and changes nothing', async () => {
      const { workflowId, path } = await openException(api, 'stale');
      const before = await etagOf(path);
      await act(api, workflowId, { action: 'comment', note: 'someone else was faster' }).expect(200);
      const res = await act(api, workflowId, { action: 'approve', reason: 'ok' }, { 'If-Match': before }).expect(412);
      expect(res.body.error.code).toBe('precondition_failed');
      const detail = await detailOf(api, workflowId);
      expect(detail.workflow.status).toBe('requested');
      expect(detail.actions.map((a: { action_type: string }) => a.action_type)).toEqual(['requested', 'comment']);
      expect((await traceEvents(api, 'stale')).map((e) => e.event_type)).not.toContain('ApprovalRecorded');
    });

    it('accepts the current ETag, and the new ETag is the response’s version', async () => {
      const { workflowId, path } = await openException(api, 'fresh');
      const current = await etagOf(path);
      const res = await act(api, workflowId, { action: 'claim' }, { 'If-Match': current }).expect(200);
      const next = await etagOf(path);
      expect(next).toBe(`"${res.body.data.workflow.version}"`);
      expect(res.headers.etag).toBe(next);
      expect(next).not.toBe(current);
      // Only items carry ETags: Express's weak body hashes are off.
      expect((await api.get('/api/v1/workflows').expect(200)).headers.etag).toBeUndefined();
      await act(api, workflowId, { action: 'approve', reason: 'ok' }, { 'If-Match': current }).expect(412);
      await act(api, workflowId, { action: 'approve', reason: 'ok' }, { 'If-Match': next }).expect(200);
    });

    it('answers 412 for an If-Match that is no version at all', async () => {
      const { workflowId } = await openException(api, 'garbage');
      const res = await act(
        api,
        workflowId,
        { action: 'comment', note: 'x' },
        { 'If-Match': '"not-a-version"' },
      ).expect(412);
      expect(res.body.error.code).toBe('precondition_failed');
    });

    it('accepts If-Match: * and a list of entity tags that holds the current one', async () => {
      const { workflowId, path } = await openException(api, 'lists');
      await act(api, workflowId, { action: 'comment', note: 'any version' }, { 'If-Match': '*' }).expect(200);
      const current = (await api.get(path).expect(200)).headers.etag;
      await act(api, workflowId, { action: 'comment', note: 'listed' }, { 'If-Match': `"999", ${current}` }).expect(
        200,
      );
      await act(api, workflowId, { action: 'comment', note: 'stale list' }, { 'If-Match': `"998", "999"` }).expect(412);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first response for the same key and body, without a second action row', async () => {
      const { workflowId } = await openException(api, 'idem-comment');
      const body = { action: 'comment', note: 'Reviewed the quote' };
      const first = await act(api, workflowId, body, { 'Idempotency-Key': 'retry-1' }).expect(200);
      const second = await act(api, workflowId, body, { 'Idempotency-Key': 'retry-1' }).expect(200);
      expect(second.body.data).toEqual(first.body.data);
      const comments = (await detailOf(api, workflowId)).actions.filter(
        (a: { action_type: string }) => a.action_type === 'comment',
      );
      expect(comments).toHaveLength(1);
      expect(comments[0].action_id).toBe(first.body.data.action.action_id);
    });

    it('replays an approve: one ApprovalRecorded, the same appended_event_id', async () => {
      const { workflowId } = await openException(api, 'idem-approve');
      const body = { action: 'approve', reason: 'ok', evidence: ['quote-1'] };
      const first = await act(api, workflowId, body, { 'Idempotency-Key': 'approve-once' }).expect(200);
      const second = await act(api, workflowId, body, { 'Idempotency-Key': 'approve-once' }).expect(200);
      expect(second.body.data).toEqual(first.body.data);
      const approvals = (await traceEvents(api, 'idem-approve')).filter((e) => e.event_type === 'ApprovalRecorded');
      expect(approvals.map((e) => e.event_id)).toEqual([first.body.data.action.appended_event_id]);
      const types = (await detailOf(api, workflowId)).actions.map((a: { action_type: string }) => a.action_type);
      expect(types).toEqual(['requested', 'approval_recorded', 'approve']);
    });

    it('answers 409 idempotency_conflict for the same key with a different body', async () => {
      const { workflowId } = await openException(api, 'idem-conflict');
      await act(api, workflowId, { action: 'comment', note: 'first' }, { 'Idempotency-Key': 'k' }).expect(200);
      const res = await act(api, workflowId, { action: 'comment', note: 'second' }, { 'Idempotency-Key': 'k' }).expect(
        409,
      );
      expect(res.body.error.code).toBe('idempotency_conflict');
      const other = await act(api, workflowId, { action: 'approve', reason: 'ok' }, { 'Idempotency-Key': 'k' }).expect(
        409,
      );
      expect(other.body.error.code).toBe('idempotency_conflict');
      const detail = await detailOf(api, workflowId);
      expect(detail.workflow.status).toBe('requested');
      expect(detail.actions.filter((a: { action_type: string }) => a.action_type === 'comment')).toHaveLength(1);
    });

    it('treats different keys as different requests', async () => {
      const { workflowId } = await openException(api, 'idem-two');
      const body = { action: 'comment', note: 'same words' };
      const a = await act(api, workflowId, body, { 'Idempotency-Key': 'a' }).expect(200);
      const b = await act(api, workflowId, body, { 'Idempotency-Key': 'b' }).expect(200);
      expect(b.body.data.action.action_id).not.toBe(a.body.data.action.action_id);
      expect((await detailOf(api, workflowId)).actions).toHaveLength(3);
    });

    it('does not remember a refused request: a retry after fixing the cause is judged afresh', async () => {
      const { workflowId } = await openException(api, 'idem-refused');
      await act(api, workflowId, { action: 'approve' }, { 'Idempotency-Key': 'fix-me' }).expect(400);
      await act(api, workflowId, { action: 'approve' }, { 'Idempotency-Key': 'fix-me' }).expect(400);
      await act(
        api,
        workflowId,
        { action: 'approve', reason: 'now with a reason' },
        { 'Idempotency-Key': 'fix-me' },
      ).expect(200);
    });
  });

  it('answers the ETag of the detail read as a quoted version', async () => {
    const { path } = await openException(api, 'etag');
    const res = await api.get(path).expect(200);
    expect(res.headers.etag).toMatch(/^"\d+"$/);
    expect(path).toBe(workflowPath('etag:exception:ex-1'));
  });
});
