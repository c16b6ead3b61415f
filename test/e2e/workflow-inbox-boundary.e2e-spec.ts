import { anEvent } from '../factories/events';
import { act, anException, Api, exceptionWorkflowId } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

const MINUTE = 60_000;
const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const MAX_PAGES = 40;
const wf = (n: number) => exceptionWorkflowId('edge', `ex-${String(n).padStart(2, '0')}`);

type Item = {
  workflow_id: string;
  priority: string;
  requested_at: string;
  overdue: boolean;
  status: string;
  assigned_account_id: string | null;
};

/** The order of SPEC §6.4, from the fields of the items themselves. */
function inboxOrder(items: Item[]): string[] {
  const key = (i: Item) => [i.overdue ? 0 : 1, PRIORITIES.indexOf(i.priority), i.requested_at] as const;
  return [...items]
    .sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      return (
        x[0] - y[0] ||
        x[1] - y[1] ||
        x[2].localeCompare(y[2]) ||
        (a.workflow_id < b.workflow_id ? -1 : a.workflow_id > b.workflow_id ? 1 : 0)
      );
    })
    .map((i) => i.workflow_id);
}

/** Every page from the first to the last (bounded), following next_cursor. */
async function allPages(api: Api, query: string): Promise<Item[][]> {
  const pages: Item[][] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const url: string = `/api/v1/workflows?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const data = (await api.get(url).expect(200)).body.data;
    pages.push(data.items);
    cursor = data.next_cursor;
    if (cursor === null) return pages;
  }
  throw new Error(`more than ${MAX_PAGES} pages for ${query}`);
}

/**
 * The inbox reads overdue and not-overdue items in two branches (src/workflow/workflow-inbox.repository.ts);
 * these pages cross from one to the other at every position, under every kind of filter.
 */
describe('inbox order and cursors across the overdue / not-overdue boundary (SPEC §6.4)', () => {
  let api: Api;
  const app = useTestApp({
    // This file is about the inbox order across the overdue boundary, with one account that asks and decides: a
    // single-account installation, where separation of duties (SPEC §11.3) is turned off. The rule
    // itself is tested in human-control.e2e-spec.ts and oidc.e2e-spec.ts.
    env: { ...GENEROUS_LIMITS, DG_SEPARATION_OF_DUTIES: 'false' },
  });
  beforeAll(async () => {
    api = apiAs(app, uniqueTenant('wfbd'), DEV_TOKENS.admin);
    // 24 exceptions of one trace: every third requested 5 h ago (past its 4 h SLA), the others
    // 20 minutes ago, some 5 minutes earlier still; priorities rotate, so that many share priority
    // and requested_at and workflow_id (numbered against the order of creation) decides.
    const now = Date.now();
    const age = (i: number) => (i % 3 === 0 ? 300 : 20) * MINUTE + (i % 2 ? 0 : 5 * MINUTE);
    const events = [
      anEvent('TraceStarted', { trace_id: 'edge' }),
      ...Array.from({ length: 24 }, (_, i) =>
        anException(
          'edge',
          i + 1,
          { exception_id: `ex-${String(23 - i).padStart(2, '0')}`, priority: PRIORITIES[i % 4] },
          { occurred_at: new Date(now - age(i)).toISOString() },
        ),
      ),
    ];
    await api.post('/api/v1/events/batch', { events }).expect(201);
    // Closed items on both sides of their due time (ex-02 is past it, ex-04 not), and a reviewer's
    // queue that spans the boundary (ex-05, ex-08 and ex-11 are overdue).
    await act(api, wf(2), { action: 'approve', reason: 'ok' }).expect(200);
    await act(api, wf(4), { action: 'reject', reason: 'no' }).expect(200);
    for (const i of [1, 3, 5, 8, 11, 13, 16])
      await act(api, wf(i), { action: 'reassign', assigned_account_id: 'dave' }).expect(200);
  });

  it('has overdue and not-overdue open items, and closed ones', async () => {
    const items: Item[] = (await api.get('/api/v1/workflows?only_open=false&limit=200').expect(200)).body.data.items;
    expect(items).toHaveLength(24);
    expect(items.filter((i) => i.overdue).length).toBe(7);
    expect(items.filter((i) => ['approved', 'rejected'].includes(i.status))).toHaveLength(2);
    expect(
      items
        .filter((i) => i.assigned_account_id === 'dave')
        .map((i) => i.overdue)
        .sort(),
    ).toEqual([false, false, false, false, true, true, true]);
  });

  it.each([
    '',
    'only_open=false',
    'priority=urgent',
    'priority=low&only_open=false',
    'assigned_account_id=dave',
    'only_overdue=true',
    'status=escalated',
    'status=requested',
    'status=approved',
  ])('pages %s in inbox order, each item once, at every page size', async (filter) => {
    const single: Item[] = (await api.get(`/api/v1/workflows?${filter}&limit=200`).expect(200)).body.data.items;
    expect(single.length).toBeGreaterThan(0);
    expect(single.map((i) => i.workflow_id)).toEqual(inboxOrder(single));
    for (const limit of [1, 2, 3, 5]) {
      const pages = await allPages(api, `${filter}&limit=${limit}`);
      expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
      expect(pages.flat().map((i) => i.workflow_id)).toEqual(single.map((i) => i.workflow_id));
    }
  });

  it('puts the overdue open items first, then the rest, closed past-due items among the rest', async () => {
    const all: Item[] = (await api.get('/api/v1/workflows?only_open=false&limit=200').expect(200)).body.data.items;
    const firstNotOverdue = all.findIndex((i) => !i.overdue);
    expect(all.slice(0, firstNotOverdue).every((i) => i.overdue && !['approved', 'rejected'].includes(i.status))).toBe(
      true,
    );
    expect(all.slice(firstNotOverdue).some((i) => i.overdue)).toBe(false);
    expect(all.slice(firstNotOverdue).map((i) => i.workflow_id)).toContain(wf(2));
  });
});
