import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { actionActorOf, hasPermission, Principal } from '../auth/principal';
import { canonicalJson, sha256Hex } from '../common/canonical-json';
import { Clock } from '../common/clock';
import { DomainError } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DriverTransactionsService } from '../database/driver-transactions.service';
import { DriverTx, type SqlDb } from '../database/driver-tx';
import { PrismaService } from '../database/prisma.service';
import { WORKFLOW_PRODUCER_ID } from '../ingestion/event-authority';
import { MAX_IDEMPOTENCY_KEY_BYTES, validateEvent } from '../ingestion/event-validation';
import { scanJsonNumbers } from '../ingestion/json-number-scan';
import { assertNoSecrets } from '../ingestion/secret-guard';
import { NotificationsService } from '../notifications/notifications.service';
import { MetricsService } from '../observability/metrics.service';
import { applyTransition, keepVotes, planDecisionAppend } from './workflow-action-plan';
import { type ActionWrite, WorkflowActionWriteRepository } from './workflow-action-write.repository';
import type { WorkflowActionDto } from './workflow-action.dto';
import { decisionEvent, decisionIdempotencyKey } from './workflow-decision-event';
import { noChanges, type WorkflowChanges } from './workflow-changes';
import { WorkflowItem, type WorkflowJson, workflowJson } from './workflow-item';
import { WorkflowImportService } from './workflow-import.service';
import { WorkflowItemRepository } from './workflow-item.repository';
import { assignmentNotice, changesRequestedNotice, escalationNotice, failureNotice } from './workflow-notices';
import { WorkflowRecorderService } from './workflow-recorder.service';
import { WorkflowSlaHooks } from './workflow-sla-hooks';
import { type WorkflowActionType } from './workflow-status';
import { ACTION_PERMISSIONS, assignmentLabel, transition, TransitionResult } from './workflow-transitions';

/** The actions that may append a decision (SPEC §6.3): an approve that only votes appends nothing. */
const MAY_DECIDE: ReadonlySet<WorkflowActionType> = new Set(['approve', 'reject', 'override']);
const TX_OPTIONS = { maxWait: 10_000, timeout: 30_000 };

export type ActionRequest = { body: WorkflowActionDto; ifMatch?: string; idempotencyKey?: string };

/** What an action answers, and what an Idempotency-Key replay answers again. */
export type ActionResponse = {
  action: {
    action_id: string;
    outcome: string;
    appended_event_id?: string;
    escalated_to?: string;
    approvals_remaining?: number;
  };
  workflow: WorkflowJson;
};

/** SPEC §6.3: one action on one item, serialised on the item row, reflected in the log when it decides. */
@Injectable()
export class WorkflowActionsService implements OnModuleInit {
  private readonly logger = new Logger(WorkflowActionsService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly driver: DriverTransactionsService,
    private readonly items: WorkflowItemRepository,
    private readonly writes: WorkflowActionWriteRepository,
    private readonly imports: WorkflowImportService,
    private readonly recorder: WorkflowRecorderService,
    private readonly sla: WorkflowSlaHooks,
    private readonly notifications: NotificationsService,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.workflow.separationOfDuties) {
      this.logger.warn(
        'DG_SEPARATION_OF_DUTIES=false: the requester of an item may approve, reject or override it. ' +
          'Use this only where one account both asks and decides.',
      );
    }
  }

  act(principal: Principal, workflowId: string, request: ActionRequest): Promise<ActionResponse> {
    // The key is part of an indexed key (dg_workflow_action_requests), as long as an event's may be.
    if (
      request.idempotencyKey !== undefined &&
      Buffer.byteLength(request.idempotencyKey, 'utf8') > MAX_IDEMPOTENCY_KEY_BYTES
    ) {
      throw new DomainError(
        'invalid_argument',
        `Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_BYTES} UTF-8 bytes`,
      );
    }
    const outcomeOf = (response: ActionResponse) => response.action.outcome;
    return this.metrics.time(
      this.metrics.workflowActionDuration,
      { action: request.body.action },
      () => this.actOnce(principal, workflowId, request),
      outcomeOf,
    );
  }

  private async actOnce(principal: Principal, workflowId: string, request: ActionRequest): Promise<ActionResponse> {
    const action = request.body.action as WorkflowActionType;
    const ids = { actionId: `wfa:${randomUUID()}`, decisionEventId: `evt_${randomUUID()}` };
    const work = (db: SqlDb) => this.actInTransaction(db, principal, workflowId, request, ids);
    try {
      // On PostgreSQL on the pg driver, as appends (EventAppenderService): BEGIN travels with the
      // prepare, COMMIT with the write.
      return this.driver.available
        ? await this.driver.run(work, TX_OPTIONS.maxWait)
        : await this.prisma.$transaction((tx) => work(tx), TX_OPTIONS);
    } catch (e) {
      if (e instanceof AppendFailure) {
        await this.recordAppendFailure(principal.tenantId, workflowId, action, ids.decisionEventId, e.cause);
        throw e.cause;
      }
      throw e;
    }
  }

  /**
   * Two statements: the locks and reads (WorkflowActionWriteRepository.prepare), then, once the
   * transition and, for a decision, its event and the event's import are planned in memory, one
   * write of all of it. The item is written once.
   */
  private async actInTransaction(
    db: SqlDb,
    principal: Principal,
    workflowId: string,
    request: ActionRequest,
    ids: { actionId: string; decisionEventId: string },
  ): Promise<ActionResponse> {
    const { body } = request;
    const { actionId, decisionEventId } = ids;
    const action = body.action as WorkflowActionType;
    const tenantId = principal.tenantId;
    // An action that may decide reads what its append needs in the same round trip.
    const probe = MAY_DECIDE.has(action)
      ? {
          event_id: decisionEventId,
          idempotency_key: decisionIdempotencyKey(tenantId, workflowId, actionId),
          source: { producer_id: WORKFLOW_PRODUCER_ID },
        }
      : undefined;
    const read = await this.writes.prepare(db, tenantId, workflowId, request.idempotencyKey, probe);
    if (!read) throw new DomainError('not_found', `Workflow not found: ${workflowId}`);
    const permission = ACTION_PERMISSIONS[action];
    if (!hasPermission(principal, permission))
      throw new DomainError('forbidden', `Missing permission: ${permission}`, { permission });
    const item = read.item;
    const requestHash = sha256Hex(canonicalJson({ action: body }));
    if (request.idempotencyKey) {
      const previous = read.request;
      if (previous && previous.request_hash === requestHash) return previous.response as ActionResponse;
      if (previous)
        throw new DomainError('idempotency_conflict', 'Idempotency-Key was already used with a different request', {
          mismatches: ['body'],
        });
    }
    if (request.ifMatch !== undefined && !ifMatchAccepts(request.ifMatch, item.version)) {
      throw new DomainError('precondition_failed', `Workflow ${workflowId} is at version ${item.version}`, {
        current_version: item.version,
      });
    }
    const now = this.clock.now();
    const result = transition({
      action,
      item,
      actor: {
        account_id: principal.accountId,
        is_admin: principal.roles.includes('admin'),
        person_sub: principal.person?.sub ?? null,
      },
      request: body,
      escalationTarget: {
        account_id: this.config.workflow.escalationAssignedAccountId,
        role: this.config.workflow.escalationAssignedRole,
      },
      stamp: { action_id: actionId, at: now.toISOString() },
      separationOfDuties: item.separation_of_duties ?? this.config.workflow.separationOfDuties,
    });
    const evidence = normaliseEvidence(body.evidence);
    assertNoSecrets([
      ['$.reason', body.reason],
      ['$.note', body.note],
      ['$.evidence', evidence],
    ]);
    const decision = result.effects.find((e) => e.kind === 'append_decision');
    const previous = { account_id: item.assigned_account_id, role: item.assigned_role, status: item.status };
    let current = item;
    let changes = noChanges();
    let appended: ActionWrite['decision'];
    if (decision) {
      const input = decisionEvent({
        item,
        principal,
        decision,
        reason: body.reason ?? null,
        evidence,
        actionId,
        eventId: decisionEventId,
        now,
      });
      try {
        // The decision meets the log's own rules (no floats, safe integers) like any producer's event.
        const text = JSON.stringify(input);
        validateEvent(JSON.parse(text), scanJsonNumbers(text));
        if (!read.append) throw new Error('an action that decides reads what its append needs');
        appended = planDecisionAppend(input, read.append.snapshot, read.append.logSeq, {
          tenantId,
          recordedAt: now,
          recordedBy: principal.accountId,
        });
        // The decision reaches the item the way every decision does: through the import of its event.
        changes = this.imports.stage(
          [appended.event],
          new Map([[appended.trace.trace_id, appended.trace]]),
          { applied: new Set(), items: new Map([[workflowId, item]]) },
          now,
        ) as WorkflowChanges;
      } catch (e) {
        throw new AppendFailure(e);
      }
      current = changes.items.get(workflowId) as WorkflowItem;
      keepVotes(current, result);
    } else {
      applyTransition(current, result);
    }
    // The event, its import, the action, its notices and the SLA's effects in one statement.
    this.stageAction(changes, principal, current, actionId, result, body, evidence, now, previous);
    this.sla.stage(changes, current, now);
    const response: ActionResponse = {
      action: {
        action_id: actionId,
        outcome: result.outcome,
        ...(decision ? { appended_event_id: decisionEventId } : {}),
        ...(action === 'escalate' ? { escalated_to: assignmentLabel(result.assignment) } : {}),
        ...(result.outcome === 'vote_recorded' ? { approvals_remaining: result.approvals_remaining } : {}),
      },
      workflow: workflowJson(current, now),
    };
    if (db instanceof DriverTx) db.commitAfterNextStatement();
    await this.writes.write(
      db,
      tenantId,
      {
        decision: appended,
        changes,
        request: request.idempotencyKey
          ? { workflowId, key: request.idempotencyKey, requestHash, response }
          : undefined,
      },
      now,
    );
    return response;
  }

  private stageAction(
    changes: WorkflowChanges,
    principal: Principal,
    item: WorkflowItem,
    actionId: string,
    result: TransitionResult,
    body: WorkflowActionDto,
    evidence: unknown[],
    now: Date,
    previous: { account_id: string | null; role: string | null; status: string },
  ) {
    const notices = result.effects.flatMap((effect) => {
      if (effect.kind === 'notify_assignment') return [assignmentNotice(item, effect.reassigned)];
      if (effect.kind === 'notify_escalation') return [escalationNotice(item, 'manual_escalation')];
      if (effect.kind === 'notify_changes_requested') return [changesRequestedNotice(item, actionId, effect.reason)];
      return [];
    });
    this.recorder.stage(
      changes,
      item,
      {
        action_id: actionId,
        action_type: body.action,
        actor: actionActorOf(principal),
        note: body.note ?? body.reason ?? null,
        payload: {
          reason: body.reason ?? null,
          evidence,
          ...(body.action === 'reassign'
            ? { assigned_account_id: item.assigned_account_id, assigned_role: item.assigned_role }
            : {}),
          ...(body.action === 'escalate'
            ? { source: 'manual_escalation', escalation_count: item.escalation_count, previous_assignment: previous }
            : {}),
          ...(body.action === 'reassign' ? { previous_assignment: previous } : {}),
          ...(result.outcome === 'vote_recorded'
            ? { vote: true, approval_count: item.approvals.length, required_approvals: item.required_approvals }
            : {}),
        },
        source_event_id: null,
        resulting_status: item.status,
        created_at: now,
      },
      notices,
    );
  }

  /** The append failed and the action rolled back; the failure itself must still be on record. */
  private async recordAppendFailure(
    tenantId: string,
    workflowId: string,
    action: string,
    eventId: string,
    cause: unknown,
  ): Promise<void> {
    const item = await this.items.find(this.prisma, tenantId, workflowId);
    if (!item) return;
    const code = cause instanceof DomainError ? cause.code : 'internal_error';
    await this.notifications.record(
      this.prisma,
      tenantId,
      [failureNotice(item, action, eventId, { event_id: eventId, error_code: code })],
      this.clock.now(),
    );
  }
}

/** Wraps an error of the decision's append so `act` can tell it from the action's own refusals. */
class AppendFailure extends Error {
  constructor(readonly cause: unknown) {
    super('append of the decision event failed');
  }
}

/** SPEC §6.3: objects kept, scalars wrapped as {"value": "<string>"}. */
function normaliseEvidence(evidence: unknown[] | null | undefined): unknown[] {
  return (evidence ?? []).map((e) =>
    typeof e === 'object' && e !== null && !Array.isArray(e)
      ? e
      : { value: typeof e === 'string' ? e : JSON.stringify(e) },
  );
}

/** RFC 9110 If-Match: `*` (any current version) or a list of entity tags, one of them the item's `"<version>"`. */
function ifMatchAccepts(header: string, version: number): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => {
    const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(tag);
    return match !== null && Number(match[1]) === version;
  });
}
