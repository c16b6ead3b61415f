import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DriverTx, type SqlDb } from '../database/driver-tx';
import { PrismaService } from '../database/prisma.service';
import { TraceLocks } from '../database/trace-locks';
import { AppendHooks } from '../ingestion/append-hooks';
import type { EventInput } from '../ingestion/event-types';
import type { StoredEvent, TraceState } from '../ingestion/stored-event';
import { IngestionService } from '../ingestion/ingestion.service';
import {
  ImportContext,
  importApproval,
  importedActionId,
  importedActionType,
  importException,
  importReview,
  targetOf,
} from './workflow-import.rules';
import { noChanges, type WorkflowChanges } from './workflow-changes';
import type { WorkflowItem } from './workflow-item';
import { type ImportRead, WorkflowItemRepository } from './workflow-item.repository';
import { approvalNotice, assignmentNotice, failureNotice } from './workflow-notices';
import { WorkflowRecorderService } from './workflow-recorder.service';
import { WorkflowSlaHooks } from './workflow-sla-hooks';
import { applyWorkflowPolicy } from './workflow-policy';
import { PoliciesService } from '../policies/policies.service';
import type { DefinitionVersion } from '../policies/definitions.repository';
import type { PolicyDefinition } from '../policies/policy-definition';

type PolicyImportRead = ImportRead & { policies: DefinitionVersion<PolicyDefinition>[] };
import { WORKFLOW_EVENT_TYPES, WorkflowRuntimeRepository } from './workflow-runtime.repository';

const RELEVANT = new Set<string>(WORKFLOW_EVENT_TYPES);
const CATCH_UP_CHUNK = 200;

/**
 * Applies ExceptionRequested, WorkflowReviewRequested and ApprovalRecorded to workflow items in
 * the transaction that appends them (SPEC §6.2), and at start-up applies whatever an older
 * version appended without applying. Each event is applied once: its imported action id
 * `wfa:event:<event_id>` is the marker.
 */
@Injectable()
export class WorkflowImportService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(WorkflowImportService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly hooks: AppendHooks,
    private readonly traceLocks: TraceLocks,
    private readonly ingestion: IngestionService,
    private readonly items: WorkflowItemRepository,
    private readonly runtime: WorkflowRuntimeRepository,
    private readonly recorder: WorkflowRecorderService,
    private readonly sla: WorkflowSlaHooks,
    private readonly policies: PoliciesService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.hooks.register<PolicyImportRead>({
      eventTypes: WORKFLOW_EVENT_TYPES,
      read: (db, tenantId, inputs) => this.read(db, tenantId, inputs),
      apply: (db, tenantId, events, traces, read) => this.apply(db, tenantId, events, traces, read),
    });
  }

  /** Nest awaits this before the server listens, so the service is ready only once caught up. */
  async onApplicationBootstrap(): Promise<void> {
    let after = 0;
    let applied = 0;
    for (;;) {
      const pending = await this.runtime.pendingEvents(this.prisma, after, CATCH_UP_CHUNK);
      if (!pending.length) break;
      for (const event of pending) {
        try {
          await this.prisma.$transaction(async (tx) => {
            await this.traceLocks.lock(tx, event.tenant_id, [event.trace_id]);
            const trace = await this.ingestion.traceState(tx, event.tenant_id, event.trace_id);
            const traces = new Map(trace ? [[trace.trace_id, trace]] : []);
            await this.apply(tx, event.tenant_id, [event], traces, await this.read(tx, event.tenant_id, [event]));
          });
          applied += 1;
        } catch (e) {
          // An event appended before the rule above that names another trace's item: left unapplied.
          if (!(e instanceof DomainError)) throw e;
          this.logger.warn(`catch-up skipped event ${event.event_id} of tenant ${event.tenant_id}: ${e.message}`);
        }
      }
      after = pending[pending.length - 1].log_seq;
    }
    if (applied) this.logger.log(`caught up: applied ${applied} workflow event(s) appended before this start`);
  }

  /**
   * Which of the events are applied already, and their items, locked; and the tenant's active
   * workflow policies for the items they create (SPEC §14). On the driver both statements travel
   * in one round trip.
   */
  private async read(db: SqlDb, tenantId: string, inputs: EventInput[]): Promise<PolicyImportRead> {
    const relevant = inputs.filter((e) => RELEVANT.has(e.event_type));
    const keys = { actionIds: relevant.map(importedActionId), workflowIds: [...new Set(relevant.map(targetOf))] };
    if (db instanceof DriverTx) {
      const [read, policies] = await Promise.all([
        this.items.readForImport(db, tenantId, keys),
        this.policies.activePolicies(db, tenantId),
      ]);
      return { ...read, policies };
    }
    const read = await this.items.readForImport(db, tenantId, keys);
    return { ...read, policies: await this.policies.activePolicies(db, tenantId) };
  }

  /**
   * One statement whatever the append's size: everything the events and SLA changed, cursor
   * included. An event applied already (catch-up, or its replay) is skipped.
   */
  private async apply(
    db: SqlDb,
    tenantId: string,
    events: StoredEvent[],
    traces: ReadonlyMap<string, TraceState>,
    read: PolicyImportRead,
  ): Promise<void> {
    const now = this.clock.now();
    const changes = this.stage(events, traces, read, now);
    if (changes) await this.items.saveChanges(db, tenantId, changes, now);
  }

  /**
   * What the events make of their items, in memory, or undefined when none concerns the workflow
   * layer: `apply` writes it, and a workflow action that appends its decision writes it together
   * with the action itself (WorkflowActionsService).
   */
  stage(
    events: StoredEvent[],
    traces: ReadonlyMap<string, TraceState>,
    read: ImportRead & { policies?: PolicyImportRead['policies'] },
    now: Date,
  ): WorkflowChanges | undefined {
    const relevant = events.filter((e) => RELEVANT.has(e.event_type));
    if (!relevant.length) return undefined;
    const changes = noChanges();
    for (const event of relevant) {
      const actionId = importedActionId(event);
      if (read.applied.has(actionId)) continue;
      const workflowId = targetOf(event);
      const existing = changes.items.get(workflowId) ?? read.items.get(workflowId);
      // Ids are `{trace}:{kind}:{subject}`, so two traces can spell the same one (trace `a:exception:b`
      // with exception `c`, trace `a` with exception `b:exception:c`): an event never acts on
      // another trace's item, and its append is refused.
      if (existing && existing.trace_id !== event.trace_id) {
        throw new DomainError(
          'conflict',
          `Workflow ${workflowId} belongs to trace ${existing.trace_id}, not ${event.trace_id}`,
          {
            workflow_id: workflowId,
            trace_id: existing.trace_id,
          },
        );
      }
      this.stageOne(changes, event, actionId, existing, {
        config: this.config.workflow,
        trace: traces.get(event.trace_id),
        now,
      });
    }
    for (const item of changes.items.values()) {
      // A workflow action's decision (no policies read) only ever acts on its own, existing item.
      if (!read.items.has(item.workflow_id)) applyWorkflowPolicy(item, read.policies ?? []);
    }
    // SLA once per item, on its state at the end of the append: a request and its decision
    // appended together leave a decided item, which was never open and overdue in between.
    for (const item of [...changes.items.values()]) this.sla.stage(changes, item, now);
    changes.appliedLogSeq = Math.max(...relevant.map((e) => e.log_seq));
    return changes;
  }

  /** Applies one event (not applied before) to its item, in memory. */
  private stageOne(
    changes: WorkflowChanges,
    event: StoredEvent,
    actionId: string,
    existing: WorkflowItem | undefined,
    ctx: ImportContext,
  ): void {
    let item: WorkflowItem;
    const notices = [];
    if (event.event_type === 'ApprovalRecorded') {
      const result = importApproval(existing, event, ctx);
      item = result.item;
      if (!existing) notices.push(assignmentNotice(item, false));
      notices.push(approvalNotice(item, event.event_id));
      if (result.previousDecision) {
        notices.push(
          failureNotice(item, 'approval', event.event_id, {
            conflict: true,
            previous_decision: result.previousDecision,
            decision: item.current_decision,
            event_id: event.event_id,
          }),
        );
      }
    } else {
      item =
        event.event_type === 'ExceptionRequested'
          ? importException(existing, event, ctx)
          : importReview(existing, event, ctx);
      if (!existing) notices.push(assignmentNotice(item, false));
    }
    this.recorder.stage(
      changes,
      item,
      {
        action_id: actionId,
        action_type: importedActionType(event.event_type, item.workflow_kind),
        actor: { actor_id: event.actor.actor_id, actor_type: event.actor.actor_type, account_id: null },
        note: typeof event.payload.reason === 'string' ? event.payload.reason : null,
        payload: importedActionPayload(event),
        source_event_id: event.event_id,
        resulting_status: item.status,
        created_at: ctx.now,
      },
      notices,
    );
  }
}

/**
 * What the audit trail keeps of an applied event (SPEC §6.1): where it is in the log, when it
 * happened and who recorded it, and the fields of its payload a reviewer needs beside the action.
 */
function importedActionPayload(event: StoredEvent): Record<string, unknown> {
  const p = event.payload as Record<string, unknown>;
  const kept = ['exception_id', 'policy', 'evidence', 'priority', 'required_approvals', 'approval_id', 'subject']
    .concat(['decision', 'approvers', 'template_id', 'workflow_kind', 'sla_hours', 'policy_id', 'policy_version'])
    .filter((key) => p[key] !== undefined);
  return {
    source: 'event',
    event_type: event.event_type,
    log_seq: event.log_seq,
    occurred_at: event.occurred_at,
    recorded_by: event.recorded_by,
    ...Object.fromEntries(kept.map((key) => [key, p[key]])),
  };
}
