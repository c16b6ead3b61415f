import { anEvent } from '../factories/events';
import { act, anException, Api, aReviewRequest } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
type Item = { workflow_id: string; overdue: boolean; status: string; priority: string };
const ids = (items: Item[]) => items.map((i) => i.workflow_id);

/**
 * One tenant with a known set of items (SPEC §6.4). Items requested more than 4 h ago are overdue
 * (whatever else the SLA layer does to them, they stay open and overdue).
 */
async function seedInbox(api: Api): Promise<void> {
  const exceptions: [string, number, Record<string, unknown>][] = [
    ['late', 24 * 60 * MINUTE, { priority: 'low' }],
    ['late-urgent', 30 * 60 * MINUTE, { priority: 'urgent' }],
    ['u-old', 50 * MINUTE, { priority: 'urgent' }],
    ['u-new', 10 * MINUTE, { reason: 'URGENT: renewal ends today' }],
    ['h', 40 * MINUTE, {}],
    ['n', 45 * MINUTE, { priority: 'normal' }],
    ['l', 55 * MINUTE, { priority: 'low' }],
    ['done', 35 * MINUTE, { priority: 'urgent' }],
    ['old-done', 26 * 60 * MINUTE, { priority: 'low' }],
  ];
  for (const [trace, age, payload] of exceptions) {
    await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: trace })).expect(201);
    await api.post('/api/v1/events', anException(trace, 1, payload, { occurred_at: ago(age) })).expect(201);
  }
  // Same priority and requested_at: workflow_id decides.
  const tieAt = ago(30 * MINUTE);
  await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: 'tie' })).expect(201);
  await api
    .post('/api/v1/events', anException('tie', 1, { exception_id: 'ex-b', priority: 'normal' }, { occurred_at: tieAt }))
    .expect(201);
  await api
    .post('/api/v1/events', anException('tie', 2, { exception_id: 'ex-a', priority: 'normal' }, { occurred_at: tieAt }))
    .expect(201);
  await api
    .post(
      '/api/v1/events',
      aReviewRequest(
        'tie',
        3,
        { priority: 'low', assignee: { account_id: 'carol', role: 'writer' } },
        { occurred_at: ago(5 * MINUTE) },
      ),
    )
    .expect(201);
  await act(api, 'done:exception:ex-1', { action: 'approve', reason: 'ok' }).expect(200);
  await act(api, 'old-done:exception:ex-1', { action: 'reject', reason: 'too late anyway' }).expect(200);
  await act(api, 'h:exception:ex-1', {
    action: 'reassign',
    assigned_account_id: 'dave',
    assigned_role: 'admin',
  }).expect(200);
}

const OPEN_ORDER = [
  'late-urgent:exception:ex-1',
  'late:exception:ex-1',
  'u-old:exception:ex-1',
  'u-new:exception:ex-1',
  'h:exception:ex-1',
  'n:exception:ex-1',
  'tie:exception:ex-a',
  'tie:exception:ex-b',
  'l:exception:ex-1',
  'tie:trace_review:incident_triage',
];

describe('GET /api/v1/workflows: the inbox (SPEC §6.4)', () => {
  let api: Api;
  const inbox = async (query = '') => (await api.get(`/api/v1/workflows${query}`).expect(200)).body.data;
  const app = useTestApp({
    // This file is about the inbox order, filters and summary, with one account that asks and decides: a
    // single-account installation, where separation of duties (SPEC §11.3) is turned off. The rule
    // itself is tested in human-control.e2e-spec.ts and oidc.e2e-spec.ts.
    env: { ...GENEROUS_LIMITS, DG_SEPARATION_OF_DUTIES: 'false' },
  });
  beforeAll(async () => {
    api = apiAs(app, uniqueTenant('wfin'), DEV_TOKENS.admin);
    await seedInbox(api);
  });

  it('lists open items: overdue first, then urgent > high > normal > low, then requested_at, then workflow_id', async () => {
    const data = await inbox('?limit=200');
    expect(ids(data.items)).toEqual(OPEN_ORDER);
    expect(data.items.map((i: Item) => i.overdue)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(data.next_cursor).toBeNull();
  });

  it('answers the default page of 12 and the filters it applied', async () => {
    const data = await inbox();
    expect(data.items).toHaveLength(OPEN_ORDER.length);
    expect(data.filters).toEqual({
      status: null,
      priority: null,
      workflow_kind: null,
      assigned_account_id: null,
      assigned_role: null,
      trace_id: null,
      only_open: true,
      only_overdue: false,
      awaiting_my_approval: false,
      limit: 12,
    });
  });

  it('summarises the whole tenant', async () => {
    const { summary } = await inbox('?priority=low');
    expect(summary).toMatchObject({
      total_count: 12,
      open_count: 10,
      overdue_count: 2,
      approved_count: 1,
      rejected_count: 1,
      overridden_count: 0,
      in_review_count: 0,
      changes_requested_count: 0,
    });
    expect(summary.requested_count + summary.escalated_count).toBe(10);
    expect(summary.notification_count).toBeGreaterThanOrEqual(12);
  });

  it('shows closed items when a closed status is asked for, or with only_open=false', async () => {
    const approved = await inbox('?status=approved');
    expect(ids(approved.items)).toEqual(['done:exception:ex-1']);
    expect(approved.filters).toMatchObject({ status: 'approved', only_open: false });
    expect((await inbox('?status=requested')).filters).toMatchObject({ status: 'requested', only_open: true });
    expect(ids((await inbox('?status=rejected')).items)).toEqual(['old-done:exception:ex-1']);
    expect((await inbox('?status=rejected')).items[0].overdue).toBe(false);
    expect((await inbox('?status=approved&only_open=true')).items).toEqual([]);
  });

  it('ranks a closed item past its due time as not overdue when closed items are listed', async () => {
    const all = ids((await inbox('?only_open=false&limit=200')).items);
    expect(all).toEqual([
      'late-urgent:exception:ex-1',
      'late:exception:ex-1',
      'u-old:exception:ex-1',
      'done:exception:ex-1',
      'u-new:exception:ex-1',
      'h:exception:ex-1',
      'n:exception:ex-1',
      'tie:exception:ex-a',
      'tie:exception:ex-b',
      'old-done:exception:ex-1',
      'l:exception:ex-1',
      'tie:trace_review:incident_triage',
    ]);
  });

  it('filters by only_overdue', async () => {
    const data = await inbox('?only_overdue=true');
    expect(ids(data.items)).toEqual(['late-urgent:exception:ex-1', 'late:exception:ex-1']);
    expect(data.items.every((i: Item) => i.overdue)).toBe(true);
  });

  it.each([
    ['priority=urgent', ['late-urgent:exception:ex-1', 'u-old:exception:ex-1', 'u-new:exception:ex-1']],
    ['priority=URGENT', ['late-urgent:exception:ex-1', 'u-old:exception:ex-1', 'u-new:exception:ex-1']],
    ['priority=low', ['late:exception:ex-1', 'l:exception:ex-1', 'tie:trace_review:incident_triage']],
    ['workflow_kind=incident_review', ['tie:trace_review:incident_triage']],
    ['assigned_account_id=carol', ['tie:trace_review:incident_triage']],
    ['assigned_account_id=dave', ['h:exception:ex-1']],
    ['assigned_role=writer', ['tie:trace_review:incident_triage']],
    ['trace_id=tie', ['tie:exception:ex-a', 'tie:exception:ex-b', 'tie:trace_review:incident_triage']],
    ['trace_id=nope', []],
    ['status=requested&trace_id=n', ['n:exception:ex-1']],
  ])('filters by %s, keeping the inbox order', async (query, expected) => {
    expect(ids((await inbox(`?${query}`)).items)).toEqual(expected);
  });

  it.each([
    'status=open',
    'status=APPROVED',
    'priority=critical',
    'priority=',
    'only_open=yes',
    'only_overdue=1',
    'limit=0',
    'limit=201',
    'limit=abc',
    'cursor=not-a-cursor',
    // Well-formed cursors carrying what the page never writes: they must not reach the database.
    ...[
      { o: 1, p: 0, r: 0, w: 'a\u0000b', now: 0 },
      { o: 1, p: 0, r: 0, w: 'a\ud800', now: 0 },
      { o: 1, p: 2147483648, r: 0, w: 'x', now: 0 },
      { o: 7, p: 0, r: 0, w: 'x', now: 0 },
      { o: 0, p: 0, r: 0, w: 'x', now: 9007199254740991 },
      { o: 0, p: 0, r: -62198755200000, w: 'x', now: 0 },
    ].map((position) => `cursor=${Buffer.from(JSON.stringify(position)).toString('base64url')}`),
  ])('answers 400 invalid_argument for %s', async (query) => {
    const res = await api.get(`/api/v1/workflows?${query}`).expect(400);
    expect(res.body.error.code).toBe('invalid_argument');
  });

  it('answers 400 for a notification list with an unknown category or limit out of range', async () => {
    for (const query of ['category=nope', 'limit=0', 'limit=201', 'cursor=%%%']) {
      const res = await api.get(`/api/v1/notifications?${query}`).expect(400);
      expect(res.body.error.code).toBe('invalid_argument');
    }
  });

  it('lets a reader read the inbox and an item, but not act', async () => {
    const reader = apiAs(app, (await inbox()).items[0].tenant_id, DEV_TOKENS.reader);
    expect(ids((await reader.get('/api/v1/workflows?limit=200').expect(200)).body.data.items)).toEqual(OPEN_ORDER);
    await reader.get(`/api/v1/workflows/${encodeURIComponent(OPEN_ORDER[0])}`).expect(200);
    await reader.get(`/api/v1/workflows/${encodeURIComponent(OPEN_ORDER[0])}/notifications`).expect(200);
    await act(reader, OPEN_ORDER[2], { action: 'comment', note: 'x' }).expect(403);
  });
});
