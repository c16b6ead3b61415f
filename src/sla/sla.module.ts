import { Module } from '@nestjs/common';
import { WorkflowModule } from '../workflow/workflow.module';
import { SlaSweepService } from './sla-sweep.service';
import { SlaScheduler } from './sla.scheduler';

/** Scheduled deadline-risk notices and automatic escalation (SPEC §7). */
@Module({
  imports: [WorkflowModule],
  providers: [SlaSweepService, SlaScheduler],
  exports: [SlaSweepService],
})
export class SlaModule {}
