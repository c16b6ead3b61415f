import { Module, OnModuleInit } from '@nestjs/common';
import { WorkflowModule } from '../workflow/workflow.module';
import { WorkflowSlaHooks } from '../workflow/workflow-sla-hooks';
import { SlaDueRepository } from './sla-due.repository';
import { SlaEscalationService } from './sla-escalation.service';
import { SlaSweepService } from './sla-sweep.service';
import { SlaScheduler } from './sla.scheduler';

/**
 * The SLA rules (SPEC §7, §14) in one place: the evaluator, the escalation, the due query and the
 * scheduled sweep. Registers the escalation as the workflow layer's SLA hook, so every item change
 * meets it in its own statement while workflow does not import sla.
 */
@Module({
  imports: [WorkflowModule],
  providers: [SlaDueRepository, SlaEscalationService, SlaSweepService, SlaScheduler],
  exports: [SlaSweepService],
})
export class SlaModule implements OnModuleInit {
  constructor(
    private readonly hooks: WorkflowSlaHooks,
    private readonly escalation: SlaEscalationService,
  ) {}

  onModuleInit(): void {
    this.hooks.register((changes, item, now) => this.escalation.stage(changes, item, now));
  }
}
