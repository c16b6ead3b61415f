import { anEvent } from '../factories/events';
import { act, anException, Api, workflowPath } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

const MINUTE = 60_000;
const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const ITEMS = 30;
const MAX_PAGES = 20;

type Item = { workflow_id: string; priority: string; requested_at: string };
type Notice = { notification_id: string; workflow_id: string; category: string };

/** Follows next_cursor from the first page to the last (bounded), returning every page. */
async function allPages<T>(api: Api, path: string, key: 'items' | 'notifications' | 'actions'): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const url: string = cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path;
    const data = (await api.get(url).expect(200)).body.data;
    pages.push(data[key]);
    cursor = data.next_cursor;
    if (cursor === null) return pages;
  }
  throw new Error(`more than ${MAX_PAGES} pages for ${path}`);
}

/** The inbox order of SPEC §6.4 for items that are all open and not overdue. */
function inboxOrder(items: Item[]): string[] {
  const rank = (p: string) => PRIORITIES.indexOf(p);
  return [...items]
    .sort(
      (a, b) =>
        rank(a.priority) - rank(b.priority) ||
        a.requested_at.localeCompare(b.requested_at) ||
        (a.workflow_id < b.workflow_id ? -1 : a.workflow_id > b.workflow_id ? 1 : 0),
    )
    .map((i) => i.workflow_id);
}

describe('cursor pagination of the inbox and of notifications (SPEC §6.4, §8)', () => {
  let api: Api;
  const app = useTestApp({
    // This file is about cursor pagination, with one account that asks and decides: a
    // single-account installation, where separation of duties (SPEC §11.3) is turned off. The rule
    // itself is tested in human-control.e2e-spec.ts and oidc.e2e-spec.ts.
    env: { ...GENEROUS_LIMITS, DG_SEPARATION_OF_DUTIES: 'false' },
  });
  beforeAll(async () => {
    api = apiAs(app, uniqueTenant('wfpg'), DEV_TOKENS.admin);
    // 30 exceptions of one trace, with mixed priorities and requested_at values, some tied.
    const now = Date.now();
    const events = [
      anEvent('TraceStarted', { trace_id: 'pages' }),
      ...Array.from({ length: ITEMS }, (_, i) =>
        anException(
          'pages',
          i + 1,
          { exception_id: `ex-${String(i).padStart(2, '0')}`, priority: PRIORITIES[i % 4] },
          { occurred_at: new Date(now - ((i * 7) % 10) * MINUTE).toISOString() },
        ),
      ),
    ];
    await api.post('/api/v1/events/batch', { events }).expect(201);
  });

  it('visits each of 30 items exactly once, in inbox order, over pages of 7', async () => {
    const pages = await allPages<Item>(api, '/api/v1/workflows?limit=7', 'items');
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 2]);
    const visited = pages.flat();
    expect(new Set(visited.map((i) => i.workflow_id)).size).toBe(ITEMS);
    const single = (await api.get('/api/v1/workflows?limit=200').expect(200)).body.data.items as Item[];
    expect(visited.map((i) => i.workflow_id)).toEqual(single.map((i) => i.workflow_id));
    expect(single.map((i) => i.workflow_id)).toEqual(inboxOrder(single));
  });

  it('pages with the default limit of 12 and ends with next_cursor null', async () => {
    const pages = await allPages<Item>(api, '/api/v1/workflows', 'items');
    expect(pages.map((p) => p.length)).toEqual([12, 12, 6]);
  });

  it('gives an exact final page a null next_cursor', async () => {
    const pages = await allPages<Item>(api, '/api/v1/workflows?limit=10', 'items');
    expect(pages.map((p) => p.length)).toEqual([10, 10, 10]);
  });

  it('keeps the filters across pages', async () => {
    const pages = await allPages<Item>(api, '/api/v1/workflows?priority=urgent&limit=3', 'items');
    const visited = pages.flat();
    expect(visited).toHaveLength(8);
    expect(visited.every((i) => i.priority === 'urgent')).toBe(true);
  });

  it('pages the tenant’s notifications newest first, each once', async () => {
    const pages = await allPages<Notice>(api, '/api/v1/notifications?category=assignment&limit=7', 'notifications');
    const visited = pages.flat();
    expect(visited).toHaveLength(ITEMS);
    expect(new Set(visited.map((n) => n.notification_id)).size).toBe(ITEMS);
    const single = (await api.get('/api/v1/notifications?category=assignment&limit=200').expect(200)).body.data;
    expect(visited.map((n) => n.notification_id)).toEqual(single.notifications.map((n: Notice) => n.notification_id));
    expect(single.next_cursor).toBeNull();
    // Appended in exception order, so newest first is the reverse of it.
    expect(visited.map((n) => n.workflow_id)).toEqual(
      Array.from({ length: ITEMS }, (_, i) => `pages:exception:ex-${String(ITEMS - 1 - i).padStart(2, '0')}`),
    );
  });

  it('answers 50 notifications by default and filters them by workflow_id and recipient', async () => {
    const all = (await api.get('/api/v1/notifications').expect(200)).body.data;
    expect(all.notifications.length).toBeLessThanOrEqual(50);
    const one = (await api.get('/api/v1/notifications?workflow_id=pages:exception:ex-03').expect(200)).body.data
      .notifications;
    expect(one.map((n: Notice) => n.workflow_id)).toEqual(['pages:exception:ex-03']);
    const admins = (
      await api.get('/api/v1/notifications?recipient_role=admin&category=assignment&limit=200').expect(200)
    ).body.data.notifications;
    expect(admins).toHaveLength(ITEMS);
    expect(
      (await api.get('/api/v1/notifications?recipient_account_id=nobody').expect(200)).body.data.notifications,
    ).toEqual([]);
  });

  // The tests below change the seeded items; the ones above rely on them as seeded.
  it('does not skip or repeat an item when an earlier one closes between pages', async () => {
    const first = (await api.get('/api/v1/workflows?priority=low&limit=4').expect(200)).body.data;
    await act(api, first.items[0].workflow_id, { action: 'reject', reason: 'closing one already seen' }).expect(200);
    const rest = await allPages<Item>(
      api,
      `/api/v1/workflows?priority=low&limit=4&cursor=${encodeURIComponent(first.next_cursor)}`,
      'items',
    );
    const seen = [...first.items, ...rest.flat()].map((i: Item) => i.workflow_id);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('shows the newest 12 notifications in the detail read, with the full count', async () => {
    const wf = 'pages:exception:ex-06'; // normal priority: no earlier test closes it
    for (let i = 0; i < 13; i++)
      await act(api, wf, { action: 'reassign', assigned_account_id: `reviewer-${i}` }).expect(200);
    const detail = (await api.get(workflowPath(wf)).expect(200)).body.data;
    expect(detail.notification_count).toBe(14);
    expect(detail.notifications.map((n: { message: string }) => n.message)).toEqual(
      Array.from({ length: 12 }, (_, i) => `Workflow ${wf} reassigned to reviewer-${12 - i}`),
    );
  });

  it('pages one item’s actions oldest first, and the detail read says when there are more (SPEC §15)', async () => {
    const wf = 'pages:exception:ex-09';
    for (let i = 0; i < 4; i++) await act(api, wf, { action: 'comment', note: `note ${i}` }).expect(200);
    const detail = (await api.get(workflowPath(wf)).expect(200)).body.data;
    expect(detail.actions).toHaveLength(5);
    expect(detail.actions_next_cursor).toBeNull();
    const pages = await allPages<{ action_type: string; note: string | null }>(
      api,
      workflowPath(wf, '/actions?limit=2'),
      'actions',
    );
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(detail.actions);
    expect(pages.flat().map((a) => a.note)).toEqual([detail.actions[0].note, 'note 0', 'note 1', 'note 2', 'note 3']);
    const whole = (await api.get(workflowPath(wf, '/actions')).expect(200)).body.data;
    expect([whole.actions.length, whole.next_cursor]).toEqual([5, null]);
    for (const bad of ['limit=0', 'limit=1001', 'cursor=bogus']) {
      expect((await api.get(workflowPath(wf, `/actions?${bad}`)).expect(400)).body.error.code).toBe('invalid_argument');
    }
    await api.get(workflowPath('pages:exception:nope', '/actions')).expect(404);
  });

  it('pages one item’s notifications newest first', async () => {
    const wf = 'pages:exception:ex-05';
    for (const target of ['erin', 'frank', 'grace'])
      await act(api, wf, { action: 'reassign', assigned_account_id: target }).expect(200);
    await act(api, wf, { action: 'escalate', reason: 'stuck' }).expect(200);
    const pages = await allPages<Notice & { message: string }>(
      api,
      workflowPath(wf, '/notifications?limit=2'),
      'notifications',
    );
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((n) => n.category)).toEqual([
      'escalation',
      'assignment',
      'assignment',
      'assignment',
      'assignment',
    ]);
    expect(pages.flat()[4].message).toBe(`Workflow ${wf} assigned to admin`);
  });

  it('filters one item’s notifications like the tenant feed: by category, recipient account and role', async () => {
    const wf = 'pages:exception:ex-06';
    for (const target of ['erin', 'frank'])
      await act(api, wf, { action: 'reassign', assigned_account_id: target }).expect(200);
    const list = async (query: string) =>
      (await api.get(workflowPath(wf, `/notifications?${query}`)).expect(200)).body.data.notifications as (Notice & {
        message: string;
        recipient_account_id: string | null;
        recipient_role: string | null;
      })[];
    expect((await list('recipient_account_id=erin')).map((n) => n.recipient_account_id)).toEqual(['erin']);
    expect(
      (await list('recipient_role=admin&category=assignment')).every(
        (n) => n.recipient_role === 'admin' && n.category === 'assignment',
      ),
    ).toBe(true);
    expect((await list('recipient_role=admin')).map((n) => n.message)).toEqual([`Workflow ${wf} assigned to admin`]);
    expect(await list('recipient_account_id=nobody')).toEqual([]);
  });
});
