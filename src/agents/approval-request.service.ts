import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { DomainError } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PrismaService } from '../database/prisma.service';
import { IngestionService } from '../ingestion/ingestion.service';
import { WorkflowQueryService } from '../workflow/workflow-query.service';
import type { WorkflowStatus } from '../workflow/workflow-status';
import { AgentRequestsRepository } from './agent-requests.repository';

/** What an agent asks for (MCP `request_approval`, SPEC §17). */
export type ApprovalRequest = {
  title: string;
  reason: string;
  policy_id?: string;
  policy_version?: string;
  priority?: 'urgent' | 'high' | 'normal' | 'low';
  evidence?: { locator: string }[];
  required_approvals?: number;
  trace_id?: string;
};

export type MyRequestsQuery = { status?: WorkflowStatus; limit?: number };

export type ApprovalRequested = {
  workflow_id: string;
  trace_id: string;
  status: string;
  sla_due_at: string;
  console_url: string;
};

const REQUESTING_ROLES = ['writer', 'admin'];
/** The workflow name and policy of requests that name none. */
const AGENT_WORKFLOW = 'agent_approval';
const DEFAULT_POLICY = { policy_id: 'agent_approval', policy_version: '1' };
/** Appends racing this one on the same trace take its trace_seq: try again at the next. */
const SEQUENCE_ATTEMPTS = 3;
const DEFAULT_LIST_LIMIT = 20;

/** Where the console shows an item: absolute under the public URL when there is one, else a path. */
export function consoleUrl(publicUrl: string | null, workflowId: string): string {
  return `${publicUrl ?? ''}/console/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * Turns an agent's request into the events an exception needs (TraceStarted when the trace is new,
 * then ExceptionRequested), appended as the caller through the same path as POST /events/batch.
 */
@Injectable()
export class ApprovalRequestService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly ingestion: IngestionService,
    private readonly items: WorkflowQueryService,
    private readonly requests: AgentRequestsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async request(principal: Principal, input: ApprovalRequest): Promise<ApprovalRequested> {
    if (!principal.roles.some((role) => REQUESTING_ROLES.includes(role))) {
      throw new DomainError('forbidden', `request_approval requires one of the roles: ${REQUESTING_ROLES.join(', ')}`, {
        required_roles: REQUESTING_ROLES,
      });
    }
    const traceId = input.trace_id ?? `agent-${randomUUID()}`;
    const exceptionId = `approval-${randomUUID()}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const events = await this.eventsFor(principal, traceId, exceptionId, input);
        const body = { events };
        await this.ingestion.appendBatch(principal, body, JSON.stringify(body));
        break;
      } catch (e) {
        const raced = e instanceof DomainError && e.code === 'event_sequence_invalid' && input.trace_id !== undefined;
        if (!raced || attempt >= SEQUENCE_ATTEMPTS) throw e;
      }
    }
    const workflowId = `${traceId}:exception:${exceptionId}`;
    const item = await this.items.find(this.prisma, principal.tenantId, workflowId);
    if (!item) throw new Error(`the item ${workflowId} was not created by its ExceptionRequested`);
    return {
      workflow_id: workflowId,
      trace_id: traceId,
      status: item.status,
      sla_due_at: item.sla_due_at.toISOString(),
      console_url: this.consoleUrl(workflowId),
    };
  }

  /** The items the caller requested (requested_by), newest first (MCP list_my_requests). */
  async listMine(principal: Principal, query: MyRequestsQuery) {
    const items = await this.requests.listRequestedBy(
      this.prisma,
      principal.tenantId,
      principal.accountId,
      query.status,
      query.limit ?? DEFAULT_LIST_LIMIT,
    );
    return {
      requests: items.map((item) => ({
        workflow_id: item.workflow_id,
        trace_id: item.trace_id,
        title: item.title,
        status: item.status,
        priority: item.priority,
        requested_at: item.requested_at.toISOString(),
        sla_due_at: item.sla_due_at.toISOString(),
        updated_at: item.updated_at.toISOString(),
        current_decision: item.current_decision,
        current_reason: item.current_reason,
        console_url: this.consoleUrl(item.workflow_id),
      })),
    };
  }

  consoleUrl(workflowId: string): string {
    return consoleUrl(this.config.agents.publicUrl, workflowId);
  }

  private async eventsFor(principal: Principal, traceId: string, exceptionId: string, input: ApprovalRequest) {
    const summary = await this.ingestion.traceState(this.prisma, principal.tenantId, traceId);
    const occurredAt = this.clock.now().toISOString();
    const envelope = (eventType: string, traceSeq: number, payload: Record<string, unknown>) => ({
      event_id: `evt_${randomUUID()}`,
      trace_id: traceId,
      trace_seq: traceSeq,
      event_type: eventType,
      occurred_at: occurredAt,
      source: { producer_id: principal.accountId, system: 'mcp', subsystem: 'request_approval' },
      actor: { actor_id: principal.accountId, actor_type: 'agent' },
      idempotency_key: `mcp-${randomUUID()}`,
      payload,
    });
    const events = [];
    let seq = summary ? summary.last_trace_seq + 1 : 0;
    if (!summary) {
      events.push(
        envelope('TraceStarted', seq++, {
          workflow: AGENT_WORKFLOW,
          title: input.title,
          primary_entity: { entity_type: 'approval_request', entity_id: exceptionId },
        }),
      );
    }
    events.push(
      envelope('ExceptionRequested', seq, {
        exception_id: exceptionId,
        policy: {
          policy_id: input.policy_id ?? DEFAULT_POLICY.policy_id,
          policy_version: input.policy_version ?? DEFAULT_POLICY.policy_version,
        },
        reason: input.reason,
        evidence: input.evidence ?? [],
        ...(input.priority ? { priority: input.priority } : {}),
        ...(input.required_approvals !== undefined ? { required_approvals: input.required_approvals } : {}),
      }),
    );
    return events;
  }
}
