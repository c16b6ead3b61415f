import { randomUUID } from 'node:crypto';
import createClient, { type Client } from 'openapi-fetch';
import { DecisionGraphError } from './errors';
import { type EventStreamOptions, streamEvents } from './event-stream';
import type { components, paths } from './openapi-schema';
import { type WaitOptions, waitForDecision } from './wait-for-decision';

export type Decision = components['schemas']['DecisionDto'];
export type Workflow = components['schemas']['WorkflowDto'];
export type TenantHeader = { 'x-tenant-id': string };

export type DecisionGraphClientOptions = {
  /** The service's base URL, e.g. `https://dg.example.com` (the client adds `/api/v1/…`). */
  baseUrl: string;
  /** A service-account token (or an OIDC access token). */
  token: string;
  /** The tenant every call acts in. */
  tenantId: string;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
};

/** What an agent asks a person to approve. */
export type ApprovalRequest = {
  title: string;
  reason: string;
  policyId?: string;
  policyVersion?: string;
  priority?: 'urgent' | 'high' | 'normal' | 'low';
  evidence?: { locator: string }[];
  requiredApprovals?: number;
  /** The producer id the events carry (default: `agent`). */
  producerId?: string;
  /** The agent's own id, as the events' actor (default: the producer id). */
  actorId?: string;
};

export type ApprovalRequested = { workflowId: string; traceId: string; workflow: Workflow | undefined };

/**
 * A typed client of the DecisionGraph API: `api` is openapi-fetch over the types generated from
 * the service's committed OpenAPI document (pass `{ params: { header: client.tenantHeader } }`);
 * the helpers cover what agents do: ask, wait, follow the stream.
 */
export class DecisionGraphClient {
  readonly api: Client<paths>;
  readonly tenantHeader: TenantHeader;

  constructor(readonly options: DecisionGraphClientOptions) {
    this.tenantHeader = { 'x-tenant-id': options.tenantId };
    this.api = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      headers: { authorization: `Bearer ${options.token}`, ...this.tenantHeader },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /**
   * Starts a trace and requests an exception in it (TraceStarted, ExceptionRequested, one atomic
   * batch): the item people will decide. Returns its workflow id.
   */
  async requestApproval(request: ApprovalRequest): Promise<ApprovalRequested> {
    const traceId = `agent-${randomUUID()}`;
    const exceptionId = `approval-${randomUUID()}`;
    const producerId = request.producerId ?? 'agent';
    const now = new Date().toISOString();
    const envelope = (
      eventType: 'TraceStarted' | 'ExceptionRequested',
      traceSeq: number,
      payload: Record<string, unknown>,
    ): components['schemas']['EventEnvelopeDto'] => ({
      event_id: `evt-${randomUUID()}`,
      trace_id: traceId,
      trace_seq: traceSeq,
      event_type: eventType,
      occurred_at: now,
      source: { producer_id: producerId, system: 'agent' },
      actor: { actor_id: request.actorId ?? producerId, actor_type: 'agent' as const },
      idempotency_key: `req-${randomUUID()}`,
      payload,
      correlation_id: traceId,
      causation_event_id: null,
      schema_version: 1,
      tags: ['agent'],
    });
    const events = [
      envelope('TraceStarted', 0, {
        workflow: 'agent_approval',
        title: request.title,
        primary_entity: { entity_type: 'approval_request', entity_id: exceptionId },
      }),
      envelope('ExceptionRequested', 1, {
        exception_id: exceptionId,
        policy: { policy_id: request.policyId ?? 'agent_approval', policy_version: request.policyVersion ?? '1' },
        reason: request.reason,
        evidence: request.evidence ?? [],
        ...(request.priority ? { priority: request.priority } : {}),
        ...(request.requiredApprovals ? { required_approvals: request.requiredApprovals } : {}),
      }),
    ];
    const { data, error, response } = await this.api.POST('/api/v1/events/batch', {
      params: { header: this.tenantHeader },
      body: { events },
    });
    if (!data) throw await DecisionGraphError.fromResponse(response, error);
    const workflowId = `${traceId}:exception:${exceptionId}`;
    const read = await this.api.GET('/api/v1/workflows/{workflow_id}', {
      params: { header: this.tenantHeader, path: { workflow_id: workflowId } },
    });
    return { workflowId, traceId, workflow: read.data?.data.workflow };
  }

  /** The decision now (`wait_seconds` 0), or after waiting up to `waitSeconds` (0–60) for one. */
  async getDecision(workflowId: string, waitSeconds = 0, signal?: AbortSignal): Promise<Decision> {
    const { data, error, response } = await this.api.GET('/api/v1/workflows/{workflow_id}/decision', {
      params: {
        header: this.tenantHeader,
        path: { workflow_id: workflowId },
        query: { wait_seconds: String(waitSeconds) },
      },
      signal,
    });
    if (!data) throw await DecisionGraphError.fromResponse(response, error);
    return data.data;
  }

  /** Long polls until the item is decided or changes are requested, or `timeoutMs` has passed. */
  waitForDecision(workflowId: string, options: WaitOptions): Promise<Decision> {
    return waitForDecision((wait, signal) => this.getDecision(workflowId, wait, signal), options);
  }

  /** Follows the tenant's event stream, resuming with Last-Event-ID after a disconnect. */
  streamEvents(options: Omit<EventStreamOptions, 'url' | 'headers' | 'fetch'>): Promise<void> {
    return streamEvents({
      ...options,
      url: `${this.options.baseUrl.replace(/\/+$/, '')}/api/v1/stream`,
      headers: { authorization: `Bearer ${this.options.token}`, ...this.tenantHeader },
      fetch: this.options.fetch,
    });
  }
}

export function createDecisionGraphClient(options: DecisionGraphClientOptions): DecisionGraphClient {
  return new DecisionGraphClient(options);
}
