import { Module } from '@nestjs/common';
import { ChangesModule } from '../changes/changes.module';
import { WorkflowModule } from '../workflow/workflow.module';
import { DecisionRepository } from './decision.repository';
import { DecisionService } from './decision.service';
import { DecisionsController } from './decisions.controller';

/** Ways for agents to wait for people (SPEC §17): the decision long poll and the MCP server. */
@Module({
  imports: [ChangesModule, WorkflowModule],
  controllers: [DecisionsController],
  providers: [DecisionService, DecisionRepository],
})
export class AgentsModule {}
