import { anEvent, EventBody } from './events';
import { serviceAccountsEnv } from './service-accounts';
import { apiAs } from '../setup/api-client';
import { DEV_TOKENS } from '../setup/test-app';

export type Api = ReturnType<typeof apiAs>;
type Payload = Record<string, unknown>;

/** The exception id the factory's ExceptionRequested carries. */
export const EXCEPTION_ID = 'ex-1';

/** `{trace_id}:exception:{exception_id}` (SPEC §6.1). */
export function exceptionWorkflowId(traceId: string, exceptionId = EXCEPTION_ID): string {
  return `${traceId}:exception:${exceptionId}`;
}

/** The item's route; workflow ids contain `:` and are URL-encoded. */
export function workflowPath(workflowId: string, suffix = ''): string {
  return `/api/v1/workflows/${encodeURIComponent(workflowId)}${suffix}`;
}

/** The phrase an override must be confirmed with (SPEC §6.3). */
export function overridePhrase(workflowId: string): string {
  return `OVERRIDE ${workflowId.toUpperCase()}`;
}

/** An ExceptionRequested whose payload fields can be overridden one by one. */
export function anException(
  traceId: string,
  traceSeq: number,
  payload: Payload = {},
  overrides: Partial<EventBody> = {},
): EventBody {
  const base = anEvent('ExceptionRequested', { trace_id: traceId, trace_seq: traceSeq, ...overrides });
  return { ...base, payload: { ...(base.payload as Payload), ...payload } };
}

/** A WorkflowReviewRequested whose payload fields can be overridden one by one. */
export function aReviewRequest(
  traceId: string,
  traceSeq: number,
  payload: Payload = {},
  overrides: Partial<EventBody> = {},
): EventBody {
  const base = anEvent('WorkflowReviewRequested', { trace_id: traceId, trace_seq: traceSeq, ...overrides });
  return { ...base, payload: { ...(base.payload as Payload), ...payload } };
}

/** An ApprovalRecorded of the exception `ex-1`, as an external producer would append it. */
export function anExternalApproval(
  traceId: string,
  traceSeq: number,
  decision: 'approved' | 'rejected',
  payload: Payload = {},
): EventBody {
  const base = anEvent('ApprovalRecorded', {
    trace_id: traceId,
    trace_seq: traceSeq,
    source: { producer_id: 'legacy-approvals', system: 'erp' },
  });
  return { ...base, payload: { ...(base.payload as Payload), decision, ...payload } };
}

export type OpenedException = { workflowId: string; path: string; nextSeq: number };

/**
 * The principal that asks for the items a test then decides as `api`'s: never the same one, since
 * a requester may not decide its own request (SPEC §11.3). Accounts named `<x>-writer` and
 * `<x>-admin` (the development accounts, a test file's own) ask for each other; with
 * WORKFLOW_ACCOUNTS `wf-agent` asks; any other account's items are asked for by the dev admin.
 */
export function requesterFor(api: Api): Api {
  if (api.token.startsWith('wf-')) return api.as(WF_TOKENS.agent);
  const paired = /^(.*)-(writer|admin)-token$/.exec(api.token);
  if (paired) return api.as(`${paired[1]}-${paired[2] === 'writer' ? 'admin' : 'writer'}-token`);
  return api.as(DEV_TOKENS.admin);
}

/**
 * Starts `traceId` and requests its exception (`ex-1`); returns the item's id, route and the next
 * free trace_seq. `payload` and `overrides` shape the ExceptionRequested.
 */
export async function openException(
  api: Api,
  traceId: string,
  payload: Payload = {},
  overrides: Partial<EventBody> = {},
): Promise<OpenedException> {
  return openExceptionAs(requesterFor(api), traceId, payload, overrides);
}

/** Like openException, asked by `requester` itself (a test about who asks). */
export async function openExceptionAs(
  requester: Api,
  traceId: string,
  payload: Payload = {},
  overrides: Partial<EventBody> = {},
): Promise<OpenedException> {
  await requester.post('/api/v1/events', anEvent('TraceStarted', { trace_id: traceId })).expect(201);
  await requester.post('/api/v1/events', anException(traceId, 1, payload, overrides)).expect(201);
  const workflowId = exceptionWorkflowId(traceId, String(payload.exception_id ?? EXCEPTION_ID));
  return { workflowId, path: workflowPath(workflowId), nextSeq: 2 };
}

/** Starts `traceId` and requests an `incident_review` of it; returns the review item's id and route. */
export async function openReview(api: Api, traceId: string, payload: Payload = {}): Promise<OpenedException> {
  const requester = requesterFor(api);
  await requester.post('/api/v1/events', anEvent('TraceStarted', { trace_id: traceId })).expect(201);
  await requester.post('/api/v1/events', aReviewRequest(traceId, 1, payload)).expect(201);
  const workflowId = `${traceId}:trace_review:incident_triage`;
  return { workflowId, path: workflowPath(workflowId), nextSeq: 2 };
}

/** POST an action, with optional `If-Match` / `Idempotency-Key` headers. */
export function act(api: Api, workflowId: string, body: Payload, headers: Record<string, string> = {}) {
  return api.post(workflowPath(workflowId, '/actions'), body).set(headers);
}

/** `GET /api/v1/workflows/:id`'s data. */
export async function detailOf(api: Api, workflowId: string) {
  return (await api.get(workflowPath(workflowId)).expect(200)).body.data;
}

/** The events of a trace as `GET /api/v1/traces/:trace_id` returns them. */
export async function traceEvents(
  api: Api,
  traceId: string,
): Promise<{ event_type: string; event_id: string; payload: Payload; source: Payload; actor: Payload }[]> {
  return (await api.get(`/api/v1/traces/${encodeURIComponent(traceId)}`).expect(200)).body.data.events;
}

/** Tokens of the accounts in `WORKFLOW_ACCOUNTS`, one permission set each. */
export const WF_TOKENS = {
  agent: 'wf-agent-token',
  reader: 'wf-reader-token',
  reviewer: 'wf-reviewer-token',
  reviewer2: 'wf-reviewer2-token',
  assigner: 'wf-assigner-token',
  escalator: 'wf-escalator-token',
  overrider: 'wf-overrider-token',
  admin: 'wf-admin-token',
} as const;

/** DG_SERVICE_ACCOUNTS with one account per permission, on every tenant. */
export const WORKFLOW_ACCOUNTS = serviceAccountsEnv([
  {
    account_id: 'wf-agent',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_assign'],
    tokens: [{ token: WF_TOKENS.agent }],
  },
  {
    account_id: 'wf-reader',
    roles: ['reader'],
    tenant_ids: ['*'],
    permissions: ['*'],
    tokens: [{ token: WF_TOKENS.reader }],
  },
  {
    account_id: 'wf-reviewer',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_review'],
    tokens: [{ token: WF_TOKENS.reviewer }],
  },
  {
    account_id: 'wf-reviewer2',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_review'],
    tokens: [{ token: WF_TOKENS.reviewer2 }],
  },
  {
    account_id: 'wf-assigner',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_assign'],
    tokens: [{ token: WF_TOKENS.assigner }],
  },
  {
    account_id: 'wf-escalator',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_escalate'],
    tokens: [{ token: WF_TOKENS.escalator }],
  },
  {
    account_id: 'wf-overrider',
    roles: ['writer'],
    tenant_ids: ['*'],
    permissions: ['workflow_override'],
    tokens: [{ token: WF_TOKENS.overrider }],
  },
  {
    account_id: 'wf-admin',
    roles: ['admin'],
    tenant_ids: ['*'],
    permissions: ['*'],
    tokens: [{ token: WF_TOKENS.admin }],
  },
]);
