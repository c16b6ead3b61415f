import { Injectable } from '@nestjs/common';
import type { WorkflowChanges } from './workflow-changes';
import type { WorkflowItem } from './workflow-item';

/** Adds SPEC §7's (or, under a tenant policy, §14's) effects on one item at `now` to `changes`. */
export type SlaStager = (changes: WorkflowChanges, item: WorkflowItem, now: Date) => void;

/**
 * Every change to an item meets its SLA in the same statement (an import, an action): the SLA
 * module registers how (SlaEscalationService.stage), so workflow does not import it (sla → workflow).
 */
@Injectable()
export class WorkflowSlaHooks {
  private stager: SlaStager | undefined;

  register(stager: SlaStager): void {
    this.stager = stager;
  }

  stage(changes: WorkflowChanges, item: WorkflowItem, now: Date): void {
    if (!this.stager) throw new Error('No SLA rules registered: SlaModule must be imported beside WorkflowModule');
    this.stager(changes, item, now);
  }
}
