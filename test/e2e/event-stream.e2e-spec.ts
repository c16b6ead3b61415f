import { act, Api, openException } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { SseConnection, StreamEvent } from '../setup/sse-client';
import { closeApp, createTestApp, DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

const ofWorkflow = (events: StreamEvent[], workflowId: string) =>
  events.filter((e) => e.data.workflow_id === workflowId);

describe('event stream (SPEC §17)', () => {
  let baseUrl: string;
  let tenant: string;
  let writer: Api;
  let admin: Api;
  const open: SseConnection[] = [];
  const connect = async (options: { tenant?: string; token?: string; lastEventId?: string } = {}) => {
    const headers: Record<string, string> = {
      'x-tenant-id': options.tenant ?? tenant,
      authorization: `Bearer ${options.token ?? DEV_TOKENS.reader}`,
    };
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const connection = await SseConnection.open(`${baseUrl}/api/v1/stream`, headers);
    open.push(connection);
    return connection;
  };

  const app = useTestApp({
    env: {
      ...GENEROUS_LIMITS,
      DG_STREAM_HEARTBEAT_MS: '100',
      DG_STREAM_MAX_CONNECTIONS_PER_ACCOUNT: '3',
      DG_CHANGE_POLL_INTERVAL_MS: '60000',
    },
  });
  beforeAll(async () => {
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    baseUrl = baseUrl.replace('[::1]', '127.0.0.1');
  });
  beforeEach(() => {
    tenant = uniqueTenant('sse');
    writer = apiAs(app, tenant, DEV_TOKENS.writer);
    admin = apiAs(app, tenant, DEV_TOKENS.admin);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });

  it('sends workflow.changed and notification.created with ids, in order, and heartbeats', async () => {
    const stream = await connect();
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { workflowId } = await openException(admin, 'sse-live');
    const approved = await act(admin, workflowId, { action: 'approve', reason: 'Fine' }).expect(200);
    const final = approved.body.data.workflow;
    await stream.until((c) => ofWorkflow(c.events, workflowId).some((e) => e.data.status === 'approved'));
    await stream.until((c) => c.comments >= 3);

    const events = ofWorkflow(stream.events, workflowId);
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.find((e) => e.event === 'workflow.changed' && e.data.status === 'requested')?.data).toEqual({
      workflow_id: workflowId,
      status: 'requested',
      version: expect.any(Number),
      updated_at: expect.stringMatching(/Z$/),
    });
    expect(events.at(-1)?.event === 'workflow.changed' || events.at(-1)?.event === 'notification.created').toBe(true);
    expect(events.filter((e) => e.event === 'workflow.changed').at(-1)?.data).toEqual({
      workflow_id: workflowId,
      status: 'approved',
      version: final.version,
      updated_at: final.updated_at,
    });
    const notices = (
      await writer.get(`/api/v1/notifications?workflow_id=${encodeURIComponent(workflowId)}`).expect(200)
    ).body.data.notifications as { notification_id: string }[];
    const streamed = events.filter((e) => e.event === 'notification.created').map((e) => e.data);
    // The notification exactly as the list shows it (the list is newest first).
    expect(streamed).toEqual([...notices].reverse());
    expect(streamed.map((n) => n.category)).toEqual(['assignment', 'approval']);
  });

  it('starts a stream opened after unwatched changes past them, and sends the next change at once', async () => {
    // Nobody listens (afterEach closed every stream), and the poll is a minute away (the env
    // below): the feed has only been told of these. The new stream must still start after them.
    const before = await openException(admin, 'sse-idle-before');
    await act(admin, before.workflowId, { action: 'approve', reason: 'Fine' }).expect(200);
    const stream = await connect();
    const after = await openException(admin, 'sse-idle-after');
    await stream.until((c) => ofWorkflow(c.events, after.workflowId).length >= 2);
    expect(ofWorkflow(stream.events, before.workflowId)).toEqual([]);
  });

  it('resumes after a disconnect with Last-Event-ID: nothing missed, nothing twice', async () => {
    const first = await connect();
    const a = await openException(admin, 'sse-resume-a');
    await first.until((c) => ofWorkflow(c.events, a.workflowId).length >= 2);
    const lastSeen = first.events.at(-1) as StreamEvent;
    first.close();

    // Changes while disconnected.
    const b = await openException(admin, 'sse-resume-b');
    await act(admin, a.workflowId, { action: 'reject', reason: 'No' }).expect(200);

    const resumed = await connect({ lastEventId: lastSeen.id });
    // And changes after the reconnect.
    await act(admin, b.workflowId, { action: 'approve', reason: 'Yes' }).expect(200);
    await resumed.until((c) => ofWorkflow(c.events, b.workflowId).some((e) => e.data.status === 'approved'));

    // A fresh reader from the start of the first connection sees the same sequence.
    const everything = await connect({ lastEventId: String(Number(first.events[0].id) - 1) });
    await everything.until((c) => c.events.some((e) => e.id === resumed.events.at(-1)?.id));
    const whole = everything.events.map((e) => e.id);
    const joined = [...first.events, ...resumed.events].map((e) => e.id);
    expect(joined).toEqual(whole);
    expect(resumed.events.every((e) => Number(e.id) > Number(lastSeen.id))).toBe(true);
    expect(ofWorkflow(resumed.events, a.workflowId).some((e) => e.data.status === 'rejected')).toBe(true);
  });

  it('sends a tenant only its own changes, live and on resume', async () => {
    const otherTenant = uniqueTenant('sse-other');
    const mine = await connect();
    const theirs = await connect({ tenant: otherTenant });
    const own = await openException(admin, 'sse-own');
    const foreign = await openException(apiAs(app, otherTenant, DEV_TOKENS.writer), 'sse-foreign');
    await mine.until((c) => ofWorkflow(c.events, own.workflowId).length >= 2);
    await theirs.until((c) => ofWorkflow(c.events, foreign.workflowId).length >= 2);
    const resumed = await connect({ lastEventId: '0' });
    await resumed.until((c) => ofWorkflow(c.events, own.workflowId).length >= 2);
    for (const stream of [mine, resumed]) expect(ofWorkflow(stream.events, foreign.workflowId)).toEqual([]);
    expect(ofWorkflow(theirs.events, own.workflowId)).toEqual([]);
    expect(theirs.events.every((e) => e.data.workflow_id === foreign.workflowId)).toBe(true);
  });

  it('bounds the open streams per account (429 beyond) and frees a slot when one closes', async () => {
    const streams = [await connect(), await connect(), await connect()];
    const refused = await connect();
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get('retry-after')).toBe('1');
    expect(((await refused.response.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect((await connect({ token: DEV_TOKENS.writer })).response.status).toBe(200);
    streams[0].close();
    let status = 429;
    for (let i = 0; i < 50 && status === 429; i++) {
      const next = await connect();
      status = next.response.status;
      if (status === 429) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
  });

  it('refuses a Last-Event-ID it never sent, and a request without auth', async () => {
    const bad = await connect({ lastEventId: 'abc' });
    expect(bad.response.status).toBe(400);
    const res = await fetch(`${baseUrl}/api/v1/stream`, { headers: { 'x-tenant-id': tenant } });
    expect(res.status).toBe(401);
  });

  it('ends open streams when the app closes', async () => {
    const own = await createTestApp({ env: GENEROUS_LIMITS });
    await own.listen(0, '127.0.0.1');
    const url = (await own.getUrl()).replace('[::1]', '127.0.0.1');
    const stream = await SseConnection.open(`${url}/api/v1/stream`, {
      'x-tenant-id': tenant,
      authorization: `Bearer ${DEV_TOKENS.reader}`,
    });
    expect(stream.response.status).toBe(200);
    await closeApp(own);
    await stream.closed();
    expect(stream.isEnded).toBe(true);
  });
});
