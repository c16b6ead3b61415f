import { anEvent } from '../factories/events';
import { act, Api, detailOf, openException, openReview, overridePhrase, traceEvents } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

type Notice = { category: string; dedupe_key: string; message: string };
type ActionRow = { action_id: string; action_type: string; prev_action_hash: string | null; action_hash: string };
const API_ACTION_ID = /^wfa:[0-9a-f-]{36}$/;
const typesOf = (actions: ActionRow[]) => actions.map((a) => a.action_type);

/** The happy path of every action of SPEC §6.3, with the log and notifications it leaves behind. */
describe('workflow actions: happy paths (SPEC §6.3, §8)', () => {
  let writer: Api;
  let admin: Api;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeEach(() => {
    const tenant = uniqueTenant('wfa');
    writer = apiAs(app, tenant, DEV_TOKENS.writer);
    admin = apiAs(app, tenant, DEV_TOKENS.admin);
  });

  it('approves: appends ApprovalRecorded through the log and writes an approval notification', async () => {
    const { workflowId } = await openException(writer, 'appr');
    const res = await act(writer, workflowId, { action: 'approve', reason: 'Within the regional cap' }).expect(200);
    const { action, workflow } = res.body.data;
    expect(action).toEqual({
      action_id: expect.stringMatching(API_ACTION_ID),
      outcome: 'approved',
      appended_event_id: expect.any(String),
    });
    expect(workflow).toMatchObject({
      status: 'approved',
      current_decision: 'approved',
      current_reason: 'Within the regional cap',
      approval_event_id: action.appended_event_id,
      resolved_at: expect.any(String),
    });

    const events = await traceEvents(writer, 'appr');
    expect(events.map((e) => e.event_type)).toEqual(['TraceStarted', 'ExceptionRequested', 'ApprovalRecorded']);
    expect(events[2]).toMatchObject({
      event_id: action.appended_event_id,
      trace_seq: 2,
      source: { producer_id: 'decisiongraph-workflow' },
      actor: { actor_id: 'dev-writer', actor_type: 'role' },
      payload: {
        subject: { subject_type: 'exception', subject_id: 'ex-1' },
        approver: { actor_type: 'role', actor_id: 'dev-writer' },
        decision: 'approved',
        reason: 'Within the regional cap',
      },
    });

    // The generated idempotency key embeds no raw ids (SPEC §6.3).
    const key = (events[2] as unknown as { idempotency_key: string }).idempotency_key;
    for (const raw of ['appr', 'ex-1', 'dev-writer', action.action_id]) expect(key).not.toContain(raw);
    const summary = (await writer.get('/api/v1/traces/appr').expect(200)).body.data.summary;
    expect(summary.event_count).toBe(3);

    const detail = await detailOf(writer, workflowId);
    expect(typesOf(detail.actions)).toEqual(['requested', 'approval_recorded', 'approve']);
    expect(detail.actions[1].action_id).toBe(`wfa:event:${action.appended_event_id}`);
    expect(detail.actions[2]).toMatchObject({
      action_id: action.action_id,
      actor: { actor_id: 'dev-writer', actor_type: 'role', account_id: 'dev-writer' },
      resulting_status: 'approved',
    });
    const approval = detail.notifications.filter((n: Notice) => n.category === 'approval');
    expect(approval).toEqual([
      expect.objectContaining({
        dedupe_key: `approval:${workflowId}:${action.appended_event_id}`,
        message: `Workflow ${workflowId} recorded approved`,
      }),
    ]);
  });

  it('rejects: appends ApprovalRecorded with decision rejected', async () => {
    const { workflowId } = await openException(writer, 'rej');
    const res = await act(writer, workflowId, { action: 'reject', reason: 'Margin too thin' }).expect(200);
    expect(res.body.data.action.outcome).toBe('rejected');
    expect(res.body.data.workflow).toMatchObject({
      status: 'rejected',
      current_decision: 'rejected',
      current_reason: 'Margin too thin',
    });
    const decision = (await traceEvents(writer, 'rej')).find((e) => e.event_type === 'ApprovalRecorded');
    expect(decision).toMatchObject({
      event_id: res.body.data.action.appended_event_id,
      payload: { decision: 'rejected', subject: { subject_type: 'exception', subject_id: 'ex-1' } },
    });
    const notices = (await detailOf(writer, workflowId)).notifications.map((n: Notice) => n.message);
    expect(notices).toContain(`Workflow ${workflowId} recorded rejected`);
  });

  it('overrides with the right phrase: subject {override, workflow_id}, status overridden, decision override_approved', async () => {
    const { workflowId } = await openException(admin, 'ovr');
    const wrong = await act(admin, workflowId, {
      action: 'override',
      reason: 'CFO sign-off',
      confirm_text: `OVERRIDE ${workflowId}`,
    }).expect(400);
    expect(wrong.body.error).toMatchObject({
      code: 'invalid_argument',
      message: `override requires confirm_text "${overridePhrase(workflowId)}"`,
    });
    expect((await detailOf(admin, workflowId)).workflow.status).toBe('requested');

    const res = await act(admin, workflowId, {
      action: 'override',
      reason: 'CFO sign-off',
      confirm_text: overridePhrase(workflowId),
    }).expect(200);
    expect(res.body.data.action).toMatchObject({ outcome: 'overridden', appended_event_id: expect.any(String) });
    expect(res.body.data.workflow).toMatchObject({
      workflow_id: workflowId,
      status: 'overridden',
      current_decision: 'override_approved',
      subject: { subject_type: 'exception', subject_id: 'ex-1' },
    });
    const decision = (await traceEvents(admin, 'ovr')).find((e) => e.event_type === 'ApprovalRecorded');
    expect(decision).toMatchObject({
      event_id: res.body.data.action.appended_event_id,
      actor: { actor_id: 'dev-admin', actor_type: 'role' },
      payload: {
        subject: { subject_type: 'override', subject_id: workflowId },
        decision: 'approved',
        approver: { actor_id: 'dev-admin', actor_type: 'role' },
      },
    });
    const notices = (await detailOf(admin, workflowId)).notifications.map((n: Notice) => n.message);
    expect(notices).toContain(`Workflow ${workflowId} recorded override_approved`);
  });

  it('approves a review item with its own subject in the appended event', async () => {
    const { workflowId } = await openReview(writer, 'review-appr');
    const res = await act(writer, workflowId, { action: 'approve', reason: 'Incident handled' }).expect(200);
    expect(res.body.data.workflow).toMatchObject({
      workflow_id: workflowId,
      status: 'approved',
      current_decision: 'approved',
    });
    const decision = (await traceEvents(writer, 'review-appr')).find((e) => e.event_type === 'ApprovalRecorded');
    expect(decision?.payload.subject).toEqual({ subject_type: 'trace_review', subject_id: 'incident_triage' });
    expect(typesOf((await detailOf(writer, workflowId)).actions)).toEqual([
      'incident_review_requested',
      'approval_recorded',
      'approve',
    ]);
  });

  it('requests a change (clearing resolved_at), then approves', async () => {
    const { workflowId } = await openException(writer, 'change');
    const change = await act(writer, workflowId, {
      action: 'request_change',
      reason: 'Attach the signed quote',
    }).expect(200);
    expect(change.body.data.action).toEqual({
      action_id: expect.stringMatching(API_ACTION_ID),
      outcome: 'changes_requested',
    });
    expect(change.body.data.workflow).toMatchObject({ status: 'changes_requested', resolved_at: null });
    const approve = await act(writer, workflowId, { action: 'approve', reason: 'Quote attached' }).expect(200);
    expect(approve.body.data.workflow).toMatchObject({ status: 'approved', current_decision: 'approved' });
    expect(typesOf((await detailOf(writer, workflowId)).actions)).toEqual([
      'requested',
      'request_change',
      'approval_recorded',
      'approve',
    ]);
  });

  it('comments with a note or a reason, leaving the status as it is, also on a terminal item', async () => {
    const { workflowId } = await openException(writer, 'talk');
    const note = await act(writer, workflowId, { action: 'comment', note: 'Looking into it' }).expect(200);
    expect(note.body.data.action.outcome).toBe('commented');
    expect(note.body.data.workflow.status).toBe('requested');
    await act(writer, workflowId, { action: 'comment', reason: 'Pinged sales' }).expect(200);
    await act(writer, workflowId, { action: 'reject', reason: 'No' }).expect(200);
    const late = await act(writer, workflowId, { action: 'comment', note: 'For the record: customer agreed' }).expect(
      200,
    );
    expect(late.body.data.workflow.status).toBe('rejected');
    const comments = (await detailOf(writer, workflowId)).actions.filter((a: ActionRow) => a.action_type === 'comment');
    expect(comments.map((c: { note: string }) => c.note)).toEqual([
      'Looking into it',
      'Pinged sales',
      'For the record: customer agreed',
    ]);
    expect(comments.map((c: { resulting_status: string }) => c.resulting_status)).toEqual([
      'requested',
      'requested',
      'rejected',
    ]);
  });

  it('reassigns, setting both fields from the request, with one assignment notification per target', async () => {
    const { workflowId } = await openException(writer, 'move');
    const first = await act(writer, workflowId, { action: 'reassign', assigned_account_id: 'alice' }).expect(200);
    expect(first.body.data.action.outcome).toBe('reassigned');
    expect(first.body.data.workflow).toMatchObject({
      status: 'requested',
      assigned_account_id: 'alice',
      assigned_role: null,
    });
    await act(writer, workflowId, { action: 'reassign', assigned_account_id: 'alice' }).expect(200);
    const third = await act(writer, workflowId, { action: 'reassign', assigned_role: 'writer' }).expect(200);
    expect(third.body.data.workflow).toMatchObject({ assigned_account_id: null, assigned_role: 'writer' });

    const detail = await detailOf(writer, workflowId);
    expect(typesOf(detail.actions)).toEqual(['requested', 'reassign', 'reassign', 'reassign']);
    const assignments = detail.notifications.filter((n: Notice) => n.category === 'assignment').reverse();
    expect(assignments.map((n: Notice) => [n.dedupe_key, n.message])).toEqual([
      [`assignment:${workflowId}:admin`, `Workflow ${workflowId} assigned to admin`],
      [`assignment:${workflowId}:alice`, `Workflow ${workflowId} reassigned to alice`],
      [`assignment:${workflowId}:writer`, `Workflow ${workflowId} reassigned to writer`],
    ]);
    expect(assignments[1]).toMatchObject({ recipient_account_id: 'alice', recipient_role: null });
  });

  it('escalates once by hand: escalation notification and count; a second escalation is refused', async () => {
    const { workflowId } = await openException(admin, 'esc');
    const moved = await act(admin, workflowId, {
      action: 'reassign',
      assigned_account_id: 'bob',
      assigned_role: 'writer',
    }).expect(200);
    expect(moved.body.data.workflow).toMatchObject({ assigned_account_id: 'bob', assigned_role: 'writer' });
    const res = await act(admin, workflowId, { action: 'escalate', reason: 'No answer from sales' }).expect(200);
    expect(res.body.data.action).toEqual({
      action_id: expect.stringMatching(API_ACTION_ID),
      outcome: 'escalated',
      escalated_to: 'admin',
    });
    expect(res.body.data.workflow).toMatchObject({
      status: 'escalated',
      escalation_count: 1,
      assigned_role: 'admin',
      assigned_account_id: null,
    });

    const again = await act(admin, workflowId, { action: 'escalate', reason: 'Still nothing' }).expect(400);
    expect(again.body.error).toMatchObject({ code: 'invalid_argument', message: `already escalated` });

    const detail = await detailOf(admin, workflowId);
    expect(detail.workflow.escalation_count).toBe(1);
    expect(detail.actions.filter((a: ActionRow) => a.action_type === 'escalate')).toHaveLength(1);
    const escalations = detail.notifications.filter((n: Notice) => n.category === 'escalation');
    expect(escalations).toEqual([
      expect.objectContaining({
        dedupe_key: `escalation:${workflowId}:1`,
        message: `Workflow ${workflowId} escalated to admin`,
        recipient_role: 'admin',
      }),
    ]);
  });

  it('takes a claimed item from its claimant when escalating it, so that the escalation target can claim it', async () => {
    const { workflowId } = await openException(admin, 'esc-claimed');
    await act(writer, workflowId, { action: 'claim' }).expect(200);
    const res = await act(admin, workflowId, { action: 'escalate', reason: 'Stuck in review' }).expect(200);
    expect(res.body.data.workflow).toMatchObject({
      status: 'escalated',
      claimed_by_account_id: null,
      assigned_role: 'admin',
    });
    await act(admin, workflowId, { action: 'claim' }).expect(200);
  });

  it('lets an escalated item be decided', async () => {
    const { workflowId } = await openException(admin, 'esc-then-approve');
    await act(admin, workflowId, { action: 'escalate', reason: 'Needs a director' }).expect(200);
    const res = await act(admin, workflowId, { action: 'approve', reason: 'Director agreed' }).expect(200);
    expect(res.body.data.workflow).toMatchObject({ status: 'approved', escalation_count: 1 });
  });

  it('claims (in_review, assigned to the caller), refuses another claimant with 409, and releases', async () => {
    const { workflowId } = await openException(writer, 'claim');
    const claim = await act(writer, workflowId, { action: 'claim' }).expect(200);
    expect(claim.body.data.action.outcome).toBe('claimed');
    expect(claim.body.data.workflow).toMatchObject({
      status: 'in_review',
      claimed_by_account_id: 'dev-writer',
      assigned_account_id: 'dev-writer',
    });

    const taken = await act(admin, workflowId, { action: 'claim' }).expect(409);
    expect(taken.body.error.code).toBe('conflict');
    expect((await detailOf(writer, workflowId)).workflow.claimed_by_account_id).toBe('dev-writer');

    const release = await act(writer, workflowId, { action: 'release' }).expect(200);
    expect(release.body.data.action.outcome).toBe('released');
    expect(release.body.data.workflow).toMatchObject({ status: 'requested', claimed_by_account_id: null });
    const again = await act(admin, workflowId, { action: 'claim' }).expect(200);
    expect(again.body.data.workflow.claimed_by_account_id).toBe('dev-admin');
  });

  it('lets an admin release another account’s claim', async () => {
    const { workflowId } = await openException(writer, 'admin-release');
    await act(writer, workflowId, { action: 'claim' }).expect(200);
    const res = await act(admin, workflowId, { action: 'release' }).expect(200);
    expect(res.body.data.workflow).toMatchObject({ status: 'requested', claimed_by_account_id: null });
  });

  it('approves an item whose trace has finished; the decision is appended after TraceFinished', async () => {
    const { workflowId, nextSeq } = await openException(writer, 'finished');
    await writer
      .post('/api/v1/events', anEvent('TraceFinished', { trace_id: 'finished', trace_seq: nextSeq }))
      .expect(201);
    const res = await act(writer, workflowId, { action: 'approve', reason: 'Retroactive approval' }).expect(200);
    expect(res.body.data.workflow.status).toBe('approved');
    const events = await traceEvents(writer, 'finished');
    expect(events.map((e) => e.event_type)).toEqual([
      'TraceStarted',
      'ExceptionRequested',
      'TraceFinished',
      'ApprovalRecorded',
    ]);
    expect(events[3].event_id).toBe(res.body.data.action.appended_event_id);
  });

  it('chains every action of an item: prev_action_hash is the previous action_hash', async () => {
    const { workflowId } = await openException(admin, 'chain');
    await act(admin, workflowId, { action: 'comment', note: 'first look' }).expect(200);
    await act(admin, workflowId, { action: 'claim' }).expect(200);
    await act(admin, workflowId, { action: 'reassign', assigned_role: 'writer' }).expect(200);
    await act(admin, workflowId, { action: 'request_change', reason: 'More data' }).expect(200);
    await act(admin, workflowId, { action: 'approve', reason: 'Fine now' }).expect(200);
    const actions: ActionRow[] = (await detailOf(admin, workflowId)).actions;
    expect(typesOf(actions)).toEqual([
      'requested',
      'comment',
      'claim',
      'reassign',
      'request_change',
      'approval_recorded',
      'approve',
    ]);
    expect(actions[0].prev_action_hash).toBeNull();
    for (let i = 1; i < actions.length; i++) expect(actions[i].prev_action_hash).toBe(actions[i - 1].action_hash);
    expect(new Set(actions.map((a) => a.action_hash)).size).toBe(actions.length);
  });

  it('answers each action with the item as the detail read then shows it', async () => {
    const { workflowId } = await openException(admin, 'same-view');
    for (const body of [
      { action: 'claim' },
      { action: 'reassign', assigned_role: 'writer' },
      { action: 'escalate', reason: 'slow' },
      { action: 'reject', reason: 'no' },
    ]) {
      const res = await act(admin, workflowId, body).expect(200);
      expect((await detailOf(admin, workflowId)).workflow).toEqual(res.body.data.workflow);
    }
  });

  it('bumps the item version with every action', async () => {
    const { workflowId } = await openException(writer, 'versions');
    const before = (await detailOf(writer, workflowId)).workflow.version;
    const comment = await act(writer, workflowId, { action: 'comment', note: 'one' }).expect(200);
    expect(comment.body.data.workflow.version).toBeGreaterThan(before);
    const claim = await act(writer, workflowId, { action: 'claim' }).expect(200);
    expect(claim.body.data.workflow.version).toBeGreaterThan(comment.body.data.workflow.version);
  });
});
