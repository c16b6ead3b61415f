import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Principal } from '../../auth/principal';
import { sha256Hex } from '../../common/canonical-json';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/error-codes';
import { PrismaService } from '../../database/prisma.service';
import { EventAppenderService } from '../../ingestion/event-appender.service';
import { validateEvent } from '../../ingestion/event-validation';
import { IngestionService } from '../../ingestion/ingestion.service';
import { scanJsonNumbers } from '../../ingestion/json-number-scan';
import { PrecedentsService } from '../../ingestion/precedents.service';
import { PoliciesService } from '../../policies/policies.service';
import { WorkflowItemRepository } from '../workflow-item.repository';
import { WorkflowQueryService } from '../workflow-query.service';
import { workflowIdOf } from '../workflow-import.rules';
import { REVIEW_TEMPLATES, ReviewTemplate } from '../../policies/review-templates';
import { chooseTemplate, Simulation, simulate, TraceFacts } from './review-simulation';
import type { StartReviewDto } from './workflow-studio.dto';

const PRECEDENT_PREVIEW = 4;

/** SPEC §6.5: templates, a dry run that writes nothing, and starting a review through the log. */
@Injectable()
export class WorkflowStudioService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly ingestion: IngestionService,
    private readonly precedents: PrecedentsService,
    private readonly appender: EventAppenderService,
    private readonly items: WorkflowItemRepository,
    private readonly queries: WorkflowQueryService,
    private readonly policies: PoliciesService,
    private readonly clock: Clock,
  ) {}

  async templates(principal: Principal) {
    return { templates: await this.allTemplates(principal) };
  }

  /** SPEC §14: the built-in templates, then the tenant's active ones by template_id. */
  private async allTemplates(principal: Principal): Promise<StudioTemplate[]> {
    const own = await this.policies.activeTemplates(this.prisma, principal.tenantId);
    return [
      ...REVIEW_TEMPLATES,
      ...own.map((t) => ({
        template_id: t.definition_id,
        ...t.definition,
        version: t.version,
        source: 'tenant' as const,
      })),
    ];
  }

  /** The template asked for (built-in or the tenant's), else the trace's default built-in one. */
  private async choose(principal: Principal, templateId: string | undefined, facts: TraceFacts) {
    const all = await this.allTemplates(principal);
    const template =
      all.find((t) => 'source' in t && t.template_id === templateId) ?? chooseTemplate(templateId, facts);
    return { template: template as StudioTemplate, templates: all };
  }

  async dryRun(principal: Principal, traceId: string, templateId?: string) {
    const { facts, workflows } = await this.gather(principal, traceId);
    const { template, templates } = await this.choose(principal, templateId, facts);
    const simulation = simulate(facts);
    return {
      trace_id: traceId,
      template,
      templates,
      draft: draftOf(facts, template, simulation),
      existing_workflows: workflows,
      precedent_preview: facts.precedents,
      simulation,
    };
  }

  async startReview(principal: Principal, traceId: string, body: StartReviewDto) {
    if (body.reason.trim() === '') throw new DomainError('invalid_argument', 'reason is required');
    const { facts } = await this.gather(principal, traceId);
    const { template } = await this.choose(principal, body.template_id, facts);
    const simulation = simulate(facts);
    const draft = draftOf(facts, template, simulation);
    if (await this.items.find(this.prisma, principal.tenantId, draft.workflow_id)) return { created: false };
    const now = this.clock.now();
    const envelope = {
      event_id: `evt_${randomUUID()}`,
      trace_id: traceId,
      trace_seq: 0,
      event_type: 'WorkflowReviewRequested',
      occurred_at: now.toISOString(),
      source: { producer_id: 'workflow-studio', system: 'decisiongraph', subsystem: 'studio' },
      actor: { actor_id: principal.accountId, actor_type: 'role' },
      idempotency_key: `wf-review-${sha256Hex(`${principal.tenantId}\u0000${traceId}\u0000${template.template_id}`).slice(0, 40)}`,
      payload: {
        template_id: template.template_id,
        template_description: template.description,
        workflow_kind: template.workflow_kind,
        title: draft.title,
        reason: body.reason,
        priority: body.priority ?? draft.priority,
        assignee: {
          account_id: body.assignee?.account_id ?? null,
          role: body.assignee?.role ?? (body.assignee?.account_id ? null : draft.assigned_role),
        },
        subject: draft.subject,
        simulation,
        sla_hours: body.sla_hours ?? draft.sla_hours,
        ...requiredApprovals(body.required_approvals ?? template.required_approvals),
        ...(draft.policy_id ? { policy_id: draft.policy_id, policy_version: draft.policy_version } : {}),
      },
    };
    // The studio's event meets the same envelope, shape and secret rules as any producer's.
    const text = JSON.stringify(envelope);
    const input = validateEvent(JSON.parse(text), scanJsonNumbers(text));
    const [appended] = await this.prisma.$transaction((tx) =>
      this.appender.append(tx, principal.tenantId, [input], {
        internal: true,
        recordedAt: now,
        recordedBy: principal.accountId,
      }),
    );
    const detail = await this.queries.detail(principal, draft.workflow_id);
    const action = detail.actions.find((a) => a.source_event_id === appended.event.event_id);
    return { created: true, workflow: detail.workflow, action, review_context: detail.review_context };
  }

  private async gather(principal: Principal, traceId: string): Promise<{ facts: TraceFacts; workflows: object[] }> {
    const trace = await this.ingestion.readTrace(principal, traceId);
    const facts: TraceFacts = { traceId, summary: trace.summary, events: trace.events, precedents: [] };
    const { policy_id } = simulate(facts);
    const { primary_entity_type: entityType, primary_entity_id: entityId } = trace.summary;
    const filter = policy_id ? { policyId: policy_id } : entityType && entityId ? { entityType, entityId } : undefined;
    facts.precedents = filter
      ? await this.precedents.find(principal.tenantId, { ...filter, excludeTraceId: traceId }, PRECEDENT_PREVIEW)
      : [];
    return { facts, workflows: trace.workflows };
  }
}

/** A built-in template, or a tenant's (SPEC §14) with its quorum and version. */
type StudioTemplate = ReviewTemplate & { required_approvals?: number; version?: number; source?: 'tenant' };

/** The payload's quorum: absent means one approval, as before tenant templates. */
function requiredApprovals(count: number | undefined): { required_approvals?: number } {
  return count !== undefined && count !== 1 ? { required_approvals: count } : {};
}

function draftOf(facts: TraceFacts, template: StudioTemplate, simulation: Simulation) {
  return {
    workflow_id: workflowIdOf(facts.traceId, 'trace_review', template.template_id),
    workflow_kind: template.workflow_kind,
    workflow_name: facts.summary.workflow ?? 'unknown',
    title: `${template.title}: ${facts.summary.title ?? facts.traceId}`,
    // A tenant template's author chose its priority; the built-in ones follow the simulation.
    priority: template.source === 'tenant' ? template.default_priority : simulation.priority,
    sla_hours: template.default_sla_hours,
    assigned_role: template.reviewer_role,
    subject: { subject_type: 'trace_review', subject_id: template.template_id },
    policy_id: simulation.policy_id,
    policy_version: simulation.policy_version,
  };
}
