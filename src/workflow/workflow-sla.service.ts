import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Db } from '../database/prisma.service';
import { AppendRepository } from '../ingestion/append.repository';
import { evaluateSla } from '../sla/sla-evaluator';
import { noChanges, type WorkflowChanges } from './workflow-changes';
import type { WorkflowItem } from './workflow-item';
import { WorkflowItemRepository } from './workflow-item.repository';
import { escalationNotice } from './workflow-notices';
import { systemTransition } from './workflow-system-transitions';
import { WorkflowRecorderService } from './workflow-recorder.service';

export const SLA_ESCALATION_REASON = 'SLA deadline passed';

/**
 * Applies SPEC §7 to one locked, saved item: escalates it when past due, or writes its one
 * deadline_risk notice per due date. Called when an item is created or changed, and by the sweep.
 */
@Injectable()
export class WorkflowSlaService {
  constructor(
    private readonly items: WorkflowItemRepository,
    private readonly appends: AppendRepository,
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
    await this.appends.lockTraces(
      tx,
      tenantId,
      targets.map((t) => t.trace_id),
    );
    for (const { workflow_id } of targets) {
      const item = await this.items.findForUpdate(tx, tenantId, workflow_id);
      if (item) await this.apply(tx, item, now);
    }
  }

  /** Applies SPEC §7 to one locked item in one statement (none when nothing is due). */
  async apply(tx: Db, item: WorkflowItem, now: Date): Promise<void> {
    const changes = noChanges();
    this.stage(changes, item, now);
    await this.items.saveChanges(tx, item.tenant_id, changes, now);
  }

  /** Adds SPEC §7's effects on one item to `changes`: an escalation, or the due date's one deadline_risk notice. */
  stage(changes: WorkflowChanges, item: WorkflowItem, now: Date): void {
    const settings = this.config.workflow;
    const verdict = evaluateSla(item, now, settings.deadlineRiskWarningMinutes);
    if (verdict === 'escalate') {
      const previous = { account_id: item.assigned_account_id, role: item.assigned_role, status: item.status };
      item.status = systemTransition(item.status, 'sla_breach');
      item.assigned_account_id = settings.escalationAssignedAccountId;
      item.assigned_role = settings.escalationAssignedRole;
      item.claimed_by_account_id = null;
      item.escalation_count += 1;
      this.recorder.stage(
        changes,
        item,
        {
          action_id: `wfa:${randomUUID()}`,
          action_type: 'escalate',
          actor: { actor_id: 'workflow-sla', actor_type: 'system', account_id: null },
          note: SLA_ESCALATION_REASON,
          payload: {
            reason: SLA_ESCALATION_REASON,
            source: 'automatic_sla_escalation',
            escalation_count: item.escalation_count,
            sla_due_at: item.sla_due_at.toISOString(),
            previous_assignment: previous,
          },
          source_event_id: null,
          resulting_status: 'escalated',
          created_at: now,
        },
        [escalationNotice(item, 'automatic_sla_escalation')],
      );
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
}
