import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Db } from '../database/prisma.service';
import { TraceLocks } from '../database/trace-locks';
import { clampToStorable } from '../common/rfc3339';
import type { PolicyRules } from '../policies/policy-definition';
import { evaluatePolicySla, resumedDueAt } from '../policies/policy-sla';
import { noChanges, type WorkflowChanges } from '../workflow/workflow-changes';
import type { WorkflowItem } from '../workflow/workflow-item';
import { escalationNotice } from '../workflow/workflow-notices';
import { isOpenStatus } from '../workflow/workflow-status';
import { systemTransition } from '../workflow/workflow-system-transitions';
import { WorkflowRecorderService } from '../workflow/workflow-recorder.service';
import { evaluateSla } from './sla-evaluator';

export const SLA_ESCALATION_REASON = 'SLA deadline passed';
const SLA_ACTOR = { actor_id: 'workflow-sla', actor_type: 'system', account_id: null };

/**
 * Applies SPEC §7 to one locked, saved item: escalates it when past due, or writes its one
 * deadline_risk notice per due date. Called by the sweep, and through the workflow layer's SLA
 * hook (WorkflowSlaHooks, registered by SlaModule) whenever an item is created or changed.
 */
@Injectable()
export class SlaEscalationService {
  constructor(
    private readonly traceLocks: TraceLocks,
    private readonly recorder: WorkflowRecorderService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The sweep's entry: locks the traces of all `targets` in one statement, in the one global order
   * appends use (sorted keys: taking them one by one in due order deadlocked against a batch
   * append), then each item, and applies.
   */
  async applyLocked(
    tx: Db,
    tenantId: string,
    targets: { workflow_id: string; trace_id: string }[],
    now: Date,
  ): Promise<void> {
    await this.traceLocks.lock(
      tx,
      tenantId,
      targets.map((t) => t.trace_id),
    );
    for (const { workflow_id } of targets) {
      const item = await this.recorder.findForUpdate(tx, tenantId, workflow_id);
      if (item) await this.apply(tx, item, now);
    }
  }

  /** Applies SPEC §7 to one locked item in one statement (none when nothing is due). */
  async apply(tx: Db, item: WorkflowItem, now: Date): Promise<void> {
    const changes = noChanges();
    this.stage(changes, item, now);
    await this.recorder.save(tx, item.tenant_id, changes, now);
  }

  /**
   * Adds SPEC §7's effects on one item to `changes`: an escalation, or the due date's one
   * deadline_risk notice. An item created under a tenant policy follows SPEC §14 instead.
   */
  stage(changes: WorkflowChanges, item: WorkflowItem, now: Date): void {
    if (item.sla_policy) return this.stagePolicy(changes, item, item.sla_policy, now);
    const settings = this.config.workflow;
    const verdict = evaluateSla(item, now, settings.deadlineRiskWarningMinutes);
    if (verdict === 'escalate') {
      this.escalate(changes, item, now, {
        account_id: settings.escalationAssignedAccountId,
        role: settings.escalationAssignedRole,
      });
    } else if (
      verdict === 'deadline_risk' &&
      item.deadline_risk_notified_for?.getTime() !== item.sla_due_at.getTime()
    ) {
      const due = item.sla_due_at.toISOString();
      changes.notices.push({
        workflow_id: item.workflow_id,
        category: 'deadline_risk',
        dedupe_key: `deadline_risk:${item.workflow_id}:${due}`,
        recipient_account_id: item.assigned_account_id,
        recipient_role: item.assigned_role,
        message: `Workflow ${item.workflow_id} is nearing its SLA deadline`,
        payload: { sla_due_at: due, warning_minutes: settings.deadlineRiskWarningMinutes },
      });
      item.deadline_risk_notified_for = item.sla_due_at;
      changes.items.set(item.workflow_id, item);
    }
  }

  /**
   * SPEC §14 on one item: the clock paused while changes_requested (when the policy says so) and
   * resumed with the due time moved by the working time paused; a deadline_risk notice per warning
   * threshold; the escalation chain's next level; the final-breach action; and when the sweep must
   * look again (sla_next_check_at, null when nothing is pending).
   */
  private stagePolicy(changes: WorkflowChanges, item: WorkflowItem, rules: PolicyRules, now: Date): void {
    const before = [item.sla_paused_at?.getTime(), item.sla_next_check_at?.getTime(), item.sla_warnings_sent];
    const open = isOpenStatus(item.status);
    if (item.sla_paused_at && (item.status !== 'changes_requested' || !open)) {
      if (open)
        item.sla_due_at = clampToStorable(resumedDueAt(item.sla_due_at, item.sla_paused_at, now, rules).getTime());
      item.sla_paused_at = null;
    } else if (rules.pause_on_changes_requested && item.status === 'changes_requested' && !item.sla_paused_at) {
      item.sla_paused_at = now;
    }
    const verdict = evaluatePolicySla(item, rules, now);
    const due = item.sla_due_at.toISOString();
    for (const percent of verdict.warnings) {
      changes.notices.push({
        workflow_id: item.workflow_id,
        category: 'deadline_risk',
        dedupe_key: `deadline_risk:${item.workflow_id}:${due}:${percent}`,
        recipient_account_id: item.assigned_account_id,
        recipient_role: item.assigned_role,
        message: `Workflow ${item.workflow_id} is nearing its SLA deadline`,
        payload: { sla_due_at: due, threshold_percent: percent, policy_id: item.workflow_policy_id },
      });
    }
    item.sla_warnings_sent = verdict.warningsSent;
    item.sla_next_check_at = verdict.nextCheckAt;
    if (verdict.breach) {
      this.autoReject(changes, item, rules, now);
    } else if (verdict.escalation) {
      const { step, levelIndex, level } = verdict.escalation;
      item.sla_escalation_step = step;
      this.escalate(
        changes,
        item,
        now,
        { account_id: level.assigned_account_id, role: level.assigned_role },
        { policy_id: item.workflow_policy_id, escalation_level: levelIndex + 1, escalation_step: step },
      );
    }
    const after = [item.sla_paused_at?.getTime(), item.sla_next_check_at?.getTime(), item.sla_warnings_sent];
    if (verdict.warnings.length || before.some((v, i) => v !== after[i])) changes.items.set(item.workflow_id, item);
  }

  /** SPEC §7's automatic escalation (and each step of a policy's chain, SPEC §14). */
  private escalate(
    changes: WorkflowChanges,
    item: WorkflowItem,
    now: Date,
    target: { account_id: string | null; role: string | null },
    extra: Record<string, unknown> = {},
  ): void {
    const previous = { account_id: item.assigned_account_id, role: item.assigned_role, status: item.status };
    item.status = systemTransition(item.status, 'sla_breach');
    item.assigned_account_id = target.account_id;
    item.assigned_role = target.role;
    item.claimed_by_account_id = null;
    item.escalation_count += 1;
    this.recorder.stage(
      changes,
      item,
      {
        action_id: `wfa:${randomUUID()}`,
        action_type: 'escalate',
        actor: SLA_ACTOR,
        note: SLA_ESCALATION_REASON,
        payload: {
          reason: SLA_ESCALATION_REASON,
          source: 'automatic_sla_escalation',
          escalation_count: item.escalation_count,
          sla_due_at: item.sla_due_at.toISOString(),
          previous_assignment: previous,
          ...extra,
        },
        source_event_id: null,
        resulting_status: 'escalated',
        created_at: now,
      },
      [escalationNotice(item, 'automatic_sla_escalation')],
    );
  }

  /** SPEC §14's final breach `auto_reject`: the item is rejected with the policy's reason. */
  private autoReject(changes: WorkflowChanges, item: WorkflowItem, rules: PolicyRules, now: Date): void {
    const reason = rules.on_final_breach.reason ?? SLA_ESCALATION_REASON;
    const actionId = `wfa:${randomUUID()}`;
    const previousStatus = item.status;
    item.status = systemTransition(item.status, 'rejection_recorded');
    item.current_decision = 'rejected';
    item.current_reason = reason;
    item.resolved_at = now;
    item.claimed_by_account_id = null;
    item.sla_next_check_at = null;
    this.recorder.stage(
      changes,
      item,
      {
        action_id: actionId,
        action_type: 'reject',
        actor: SLA_ACTOR,
        note: reason,
        payload: {
          reason,
          source: 'automatic_sla_breach',
          policy_id: item.workflow_policy_id,
          policy_version: item.workflow_policy_version,
          sla_due_at: item.sla_due_at.toISOString(),
          previous_status: previousStatus,
        },
        source_event_id: null,
        resulting_status: item.status,
        created_at: now,
      },
      [
        {
          workflow_id: item.workflow_id,
          category: 'approval',
          dedupe_key: `approval:${item.workflow_id}:${actionId}`,
          recipient_account_id: item.assigned_account_id,
          recipient_role: item.assigned_role,
          message: `Workflow ${item.workflow_id} recorded rejected`,
          payload: { action_id: actionId, decision: 'rejected', reason, source: 'automatic_sla_breach' },
        },
      ],
    );
  }
}
