import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createDecisionGraphClient, DecisionGraphError, type StreamEvent } from '@decisiongraph/client';
import { runApprovalAgent } from '../../examples/approval-agent';
import { renderClientTypes } from '../client/client-types';
import { GENEROUS_LIMITS } from '../setup/api-client';
import { ServiceProcess, startService } from '../setup/service-process';
import { DEV_TOKENS } from '../setup/test-app';

/** The child service's database: the PostgreSQL one the tests run on, or its own in-memory one. */
function databaseEnv(): Record<string, string> {
  const url = process.env.DATABASE_URL ?? '';
  if (/^postgres(ql)?:\/\//.test(url)) return { DATABASE_URL: url, DG_MIGRATE_ON_START: 'true' };
  return { DATABASE_URL: 'pglite:memory://' };
}

/**
 * The client library (packages/client) and the example agent (examples/approval-agent.ts) against
 * the built service: the agent asks, a person decides (watching the event stream through the
 * library), and the agent acts on the answer.
 */
describe('client library and example agent', () => {
  let service: ServiceProcess;
  let tenant: string;
  beforeAll(async () => {
    service = await startService({ ...GENEROUS_LIMITS, ...databaseEnv() });
  });
  beforeEach(() => {
    tenant = `agent-${randomUUID().slice(0, 8)}`;
  });
  afterAll(async () => {
    await service?.stop();
  });

  const clientAs = (token: string) => createDecisionGraphClient({ baseUrl: service.baseUrl, token, tenantId: tenant });

  /** A reviewer who follows the stream and answers the first request it sees. */
  function reviewer(action: { action: 'approve' | 'reject' | 'request_change'; reason: string }) {
    const person = clientAs(DEV_TOKENS.admin);
    const stop = new AbortController();
    const seen: StreamEvent[] = [];
    const done = person.streamEvents({
      signal: stop.signal,
      onEvent: async (event) => {
        seen.push(event);
        if (event.type !== 'workflow.changed' || event.data.status !== 'requested') return;
        const { error } = await person.api.POST('/api/v1/workflows/{workflow_id}/actions', {
          params: { header: person.tenantHeader, path: { workflow_id: String(event.data.workflow_id) } },
          body: action,
        });
        if (error) throw new Error(JSON.stringify(error));
        stop.abort();
      },
    });
    return { seen, done, stop };
  }

  it('ships types generated from the committed document (npm run openapi:client)', () => {
    expect(readFileSync('packages/client/src/openapi-schema.d.ts', 'utf8')).toBe(renderClientTypes());
  });

  it('runs the example agent: asks, waits for the approval, acts and records it', async () => {
    const person = reviewer({ action: 'approve', reason: 'Customer is entitled to it' });
    const lines: string[] = [];
    const result = await runApprovalAgent({
      baseUrl: service.baseUrl,
      token: DEV_TOKENS.writer,
      tenantId: tenant,
      timeoutMs: 30_000,
      log: (line) => lines.push(line),
    });
    await person.done;
    expect(result.outcome).toBe('refunded');
    expect(lines.at(-1)).toBe('approved by dev-admin: Customer is entitled to it; refunding order 1042');

    const dg = clientAs(DEV_TOKENS.reader);
    const decision = await dg.getDecision(result.workflowId);
    expect(decision).toMatchObject({ decided: true, decision: 'approved', decided_by: 'dev-admin' });
    const traceId = result.workflowId.split(':exception:')[0];
    const trace = await dg.api.GET('/api/v1/traces/{trace_id}', {
      params: { header: dg.tenantHeader, path: { trace_id: traceId } },
    });
    expect(trace.data?.data.events.map((e) => e.event_type)).toEqual([
      'TraceStarted',
      'ExceptionRequested',
      'ApprovalRecorded',
      'ActionCommitted',
      'TraceFinished',
    ]);
  });

  it('runs the example agent to a refusal and to a change request', async () => {
    const rejecting = reviewer({ action: 'reject', reason: 'Not this time' });
    const options = { baseUrl: service.baseUrl, token: DEV_TOKENS.writer, tenantId: tenant, timeoutMs: 30_000 };
    expect((await runApprovalAgent({ ...options, log: () => undefined })).outcome).toBe('declined');
    await rejecting.done;
    const changing = reviewer({ action: 'request_change', reason: 'Attach the receipt' });
    expect((await runApprovalAgent({ ...options, orderId: '7', log: () => undefined })).outcome).toBe('revising');
    await changing.done;
  });

  it('gives up when nobody answers in time', async () => {
    const result = await runApprovalAgent({
      baseUrl: service.baseUrl,
      token: DEV_TOKENS.writer,
      tenantId: tenant,
      timeoutMs: 1_500,
      log: () => undefined,
    });
    expect(result.outcome).toBe('timed_out');
  });

  it('resumes the event stream from the last id it handled', async () => {
    const agent = clientAs(DEV_TOKENS.writer);
    const watcher = clientAs(DEV_TOKENS.reader);
    const bothOf = (events: StreamEvent[], workflowId: string) =>
      events
        .filter((e) => e.data.workflow_id === workflowId)
        .map((e) => e.type)
        .sort();
    const first = await agent.requestApproval({ title: 'One', reason: 'r' });
    const stop = new AbortController();
    const before: StreamEvent[] = [];
    await watcher.streamEvents({
      lastEventId: '0',
      signal: stop.signal,
      onEvent: (event) => {
        before.push(event);
        if (bothOf(before, first.workflowId).length === 2) stop.abort();
      },
    });
    const second = await agent.requestApproval({ title: 'Two', reason: 'r' });
    const again = new AbortController();
    const after: StreamEvent[] = [];
    await watcher.streamEvents({
      lastEventId: before.at(-1)?.id,
      signal: again.signal,
      onEvent: (event) => {
        after.push(event);
        if (bothOf(after, second.workflowId).length === 2) again.abort();
      },
    });
    expect(Number(after[0].id)).toBeGreaterThan(Number(before.at(-1)?.id));
    expect(after.some((e) => e.data.workflow_id === first.workflowId)).toBe(false);
    expect(bothOf(after, second.workflowId)).toEqual(['notification.created', 'workflow.changed']);
    const ids = [...before, ...after].map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('throws the API’s error for what retrying cannot fix', async () => {
    const dg = clientAs(DEV_TOKENS.reader);
    await expect(dg.waitForDecision('nope:exception:1', { timeoutMs: 5_000 })).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'Workflow not found: nope:exception:1',
    });
    const stranger = createDecisionGraphClient({ baseUrl: service.baseUrl, token: 'wrong', tenantId: tenant });
    await expect(stranger.streamEvents({ onEvent: () => undefined })).rejects.toBeInstanceOf(DecisionGraphError);
  });
});
