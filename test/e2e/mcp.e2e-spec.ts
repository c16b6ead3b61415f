import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceAccountsEnv } from '../factories/service-accounts';
import { anEvent } from '../factories/events';
import { act, anException, Api, detailOf, exceptionWorkflowId, traceEvents } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { uniqueTenant, useTestApp } from '../setup/test-app';

const TOKENS = { reader: 'mcp-reader-token', agent: 'mcp-agent-token', admin: 'mcp-admin-token', other: 'mcp-other' };
const PUBLIC_URL = 'https://dg.example.com';

/** Starts `traceId` and requests its exception as `api`'s account (the items' requester). */
async function openException(api: Api, traceId: string): Promise<{ workflowId: string }> {
  await api.post('/api/v1/events', anEvent('TraceStarted', { trace_id: traceId })).expect(201);
  await api.post('/api/v1/events', anException(traceId, 1)).expect(201);
  return { workflowId: exceptionWorkflowId(traceId) };
}

/** SPEC §17's MCP server, driven by the SDK's own client over Streamable HTTP. */
describe('MCP server (SPEC §17)', () => {
  let url: URL;
  let tenant: string;
  const clients: Client[] = [];

  const connect = async (token: string | undefined, tenantId = tenant) => {
    const headers: Record<string, string> = { 'x-tenant-id': tenantId };
    if (token) headers.authorization = `Bearer ${token}`;
    const client = new Client({ name: 'decisiongraph-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
    clients.push(client);
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const errorOf = (result: CallToolResult) => {
    expect(result.isError).toBe(true);
    const [content] = result.content as { type: string; text: string }[];
    return (JSON.parse(content.text) as { error: { code: string; message: string } }).error;
  };

  const app = useTestApp({
    env: {
      ...GENEROUS_LIMITS,
      DG_PUBLIC_URL: PUBLIC_URL,
      DG_SERVICE_ACCOUNTS: serviceAccountsEnv([
        { account_id: 'mcp-reader', roles: ['reader'], tenant_ids: ['*'], tokens: [{ token: TOKENS.reader }] },
        {
          account_id: 'mcp-agent',
          roles: ['writer'],
          tenant_ids: ['*'],
          permissions: ['workflow_review', 'workflow_assign'],
          tokens: [{ token: TOKENS.agent }],
        },
        {
          account_id: 'mcp-admin',
          roles: ['admin'],
          tenant_ids: ['*'],
          permissions: ['*'],
          tokens: [{ token: TOKENS.admin }],
        },
        { account_id: 'mcp-other', roles: ['writer'], tenant_ids: ['elsewhere'], tokens: [{ token: TOKENS.other }] },
      ]),
    },
  });
  beforeAll(async () => {
    await app.listen(0, '127.0.0.1');
    url = new URL('/mcp', (await app.getUrl()).replace('[::1]', '127.0.0.1'));
  });
  beforeEach(() => {
    tenant = uniqueTenant('mcp');
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
  });

  it('lists exactly the three tools, each with input and output JSON Schemas', async () => {
    const client = await connect(TOKENS.reader);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['get_decision', 'list_my_requests', 'request_approval']);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.request_approval.inputSchema).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['title', 'reason']),
    });
    expect(Object.keys(byName.request_approval.inputSchema.properties ?? {}).sort()).toEqual(
      [
        'evidence',
        'policy_id',
        'policy_version',
        'priority',
        'reason',
        'required_approvals',
        'title',
        'trace_id',
      ].sort(),
    );
    expect(Object.keys(byName.request_approval.outputSchema?.properties ?? {}).sort()).toEqual(
      ['console_url', 'sla_due_at', 'status', 'trace_id', 'workflow_id'].sort(),
    );
    expect(byName.get_decision.inputSchema).toMatchObject({ required: ['workflow_id'] });
    expect(Object.keys(byName.get_decision.outputSchema?.properties ?? {}).sort()).toEqual(
      [
        'changes_requested',
        'decided',
        'decided_at',
        'decided_by',
        'decision',
        'reason',
        'status',
        'version',
        'workflow_id',
      ].sort(),
    );
    expect(Object.keys(byName.list_my_requests.inputSchema.properties ?? {}).sort()).toEqual(['limit', 'status']);
    expect(byName.list_my_requests.outputSchema).toBeDefined();
  });

  it('request_approval starts a trace as the caller and opens the exception review', async () => {
    const client = await connect(TOKENS.agent);
    const result = await call(client, 'request_approval', {
      title: 'Refund order 1042',
      reason: 'Refund above the agent’s limit',
      priority: 'high',
      evidence: [{ locator: 'https://shop.example.com/orders/1042' }],
    });
    expect(result.isError).toBeFalsy();
    const out = result.structuredContent as Record<string, string>;
    expect(out).toEqual({
      workflow_id: expect.stringMatching(/^agent-[0-9a-f-]{36}:exception:approval-[0-9a-f-]{36}$/),
      trace_id: expect.stringMatching(/^agent-/),
      status: 'requested',
      sla_due_at: expect.stringMatching(/Z$/),
      console_url: `${PUBLIC_URL}/console/workflows/${encodeURIComponent(out.workflow_id)}`,
    });
    const admin = apiAs(app, tenant, TOKENS.admin);
    const detail = await detailOf(admin, out.workflow_id);
    expect(detail.workflow).toMatchObject({
      trace_id: out.trace_id,
      title: 'Refund order 1042',
      priority: 'high',
      status: 'requested',
    });
    const events = await traceEvents(admin, out.trace_id);
    expect(events.map((e) => e.event_type)).toEqual(['TraceStarted', 'ExceptionRequested']);
    expect(events[1]).toMatchObject({
      actor: { actor_id: 'mcp-agent', actor_type: 'agent' },
      payload: {
        reason: 'Refund above the agent’s limit',
        evidence: [{ locator: 'https://shop.example.com/orders/1042' }],
      },
    });
  });

  it('request_approval appends to an existing trace at its next trace_seq', async () => {
    const writerApi = apiAs(app, tenant, TOKENS.agent);
    await openException(writerApi, 'mcp-existing');
    const client = await connect(TOKENS.agent);
    const result = await call(client, 'request_approval', {
      title: 'Second step',
      reason: 'Also needs a person',
      trace_id: 'mcp-existing',
      policy_id: 'refunds',
      policy_version: 'v2',
    });
    const out = result.structuredContent as Record<string, string>;
    expect(out.trace_id).toBe('mcp-existing');
    const events = await traceEvents(writerApi, 'mcp-existing');
    expect(events.map((e) => e.event_type)).toEqual(['TraceStarted', 'ExceptionRequested', 'ExceptionRequested']);
    expect((await detailOf(writerApi, out.workflow_id)).workflow).toMatchObject({
      policy_id: 'refunds',
      policy_version: 'v2',
    });
  });

  it('get_decision waits for the person and answers the decision', async () => {
    const agent = await connect(TOKENS.agent);
    const requested = (await call(agent, 'request_approval', { title: 'Deploy', reason: 'Prod change' }))
      .structuredContent as { workflow_id: string };
    const immediate = await call(agent, 'get_decision', { workflow_id: requested.workflow_id });
    expect(immediate.structuredContent).toMatchObject({ decided: false, status: 'requested' });

    const started = Date.now();
    const waiting = call(agent, 'get_decision', { workflow_id: requested.workflow_id, wait_seconds: 30 });
    await sleep(300);
    await act(apiAs(app, tenant, TOKENS.admin), requested.workflow_id, {
      action: 'approve',
      reason: 'Go ahead',
    }).expect(200);
    const decided = await waiting;
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(decided.structuredContent).toEqual({
      workflow_id: requested.workflow_id,
      status: 'approved',
      decided: true,
      decision: 'approved',
      reason: 'Go ahead',
      decided_by: 'mcp-admin',
      decided_at: expect.stringMatching(/Z$/),
      changes_requested: false,
      version: expect.any(Number),
    });
  });

  it('list_my_requests lists the caller’s own requests, newest first, by status', async () => {
    const agent = await connect(TOKENS.agent);
    const admin = await connect(TOKENS.admin);
    const first = (await call(agent, 'request_approval', { title: 'First', reason: 'r1' })).structuredContent as {
      workflow_id: string;
    };
    await sleep(5);
    const second = (await call(agent, 'request_approval', { title: 'Second', reason: 'r2' })).structuredContent as {
      workflow_id: string;
    };
    await call(admin, 'request_approval', { title: 'Not the agent’s', reason: 'r3' });
    await act(apiAs(app, tenant, TOKENS.admin), first.workflow_id, { action: 'reject', reason: 'No' }).expect(200);

    const mine = (await call(agent, 'list_my_requests', {})).structuredContent as {
      requests: { workflow_id: string; title: string; status: string; console_url: string }[];
    };
    expect(mine.requests.map((r) => [r.workflow_id, r.title, r.status])).toEqual([
      [second.workflow_id, 'Second', 'requested'],
      [first.workflow_id, 'First', 'rejected'],
    ]);
    expect(mine.requests[0].console_url).toBe(
      `${PUBLIC_URL}/console/workflows/${encodeURIComponent(second.workflow_id)}`,
    );
    const rejected = (await call(agent, 'list_my_requests', { status: 'rejected', limit: 5 })).structuredContent as {
      requests: { workflow_id: string }[];
    };
    expect(rejected.requests.map((r) => r.workflow_id)).toEqual([first.workflow_id]);
    const one = (await call(agent, 'list_my_requests', { limit: 1 })).structuredContent as { requests: unknown[] };
    expect(one.requests).toHaveLength(1);
    // Another tenant's requests by the same account are not listed.
    const elsewhere = await connect(TOKENS.agent, uniqueTenant('mcp-else'));
    expect(
      ((await call(elsewhere, 'list_my_requests', {})).structuredContent as { requests: unknown[] }).requests,
    ).toEqual([]);
    expect((await call(agent, 'list_my_requests', { limit: 0 })).isError).toBe(true);
  });

  it('refuses request_approval to a reader as a tool error, and lets it read decisions', async () => {
    const reader = await connect(TOKENS.reader);
    const refused = await call(reader, 'request_approval', { title: 'x', reason: 'y' });
    expect(errorOf(refused)).toEqual({
      code: 'forbidden',
      message: 'request_approval requires one of the roles: writer, admin',
      details: { required_roles: ['writer', 'admin'] },
    });
    const { workflowId } = await openException(apiAs(app, tenant, TOKENS.agent), 'mcp-read');
    const read = await call(reader, 'get_decision', { workflow_id: workflowId });
    expect(read.structuredContent).toMatchObject({ workflow_id: workflowId, decided: false });
  });

  it('answers the API’s errors as tool results with isError', async () => {
    const agent = await connect(TOKENS.agent);
    const missing = await call(agent, 'get_decision', { workflow_id: 'nope:exception:1' });
    expect(errorOf(missing)).toMatchObject({ code: 'not_found', message: 'Workflow not found: nope:exception:1' });
    // Another tenant's item is not found either.
    const { workflowId } = await openException(apiAs(app, uniqueTenant('mcp-x'), TOKENS.agent), 'mcp-foreign');
    expect(errorOf(await call(agent, 'get_decision', { workflow_id: workflowId })).code).toBe('not_found');
    // The log's own rules apply: a secret in the reason is refused.
    const secret = await call(agent, 'request_approval', { title: 'x', reason: 'use password=hunter22' });
    expect(errorOf(secret).code).toBe('pii_policy_violation');
    const tooLong = await call(agent, 'get_decision', { workflow_id: workflowId, wait_seconds: 61 });
    expect(tooLong.isError).toBe(true);
    expect((tooLong.content as { text: string }[])[0].text).toContain('wait_seconds');
  });

  it('answers 401 without a token or with a bad one, 403 for another tenant, 400 without x-tenant-id', async () => {
    await expect(connect(undefined)).rejects.toMatchObject({ code: 401 });
    await expect(connect('not-a-token')).rejects.toMatchObject({ code: 401 });
    await expect(connect(TOKENS.other)).rejects.toMatchObject({ code: 403 });
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.agent}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('x-tenant-id header is required');
  });
});
