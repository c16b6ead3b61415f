import { Module } from '@nestjs/common';
import { ChangesModule } from '../changes/changes.module';
import { WorkflowModule } from '../workflow/workflow.module';
import { AgentRequestsRepository } from './agent-requests.repository';
import { ApprovalRequestService } from './approval-request.service';
import { DecisionRepository } from './decision.repository';
import { DecisionService } from './decision.service';
import { DecisionsController } from './decisions.controller';
import { McpServerFactory } from './mcp/mcp-server.factory';
import { McpController } from './mcp/mcp.controller';
import { IngestionModule } from '../ingestion/ingestion.module';

/** Ways for agents to wait for people (SPEC §17): the decision long poll and the MCP server. */
@Module({
  imports: [ChangesModule, IngestionModule, WorkflowModule],
  controllers: [DecisionsController, McpController],
  providers: [DecisionService, DecisionRepository, ApprovalRequestService, AgentRequestsRepository, McpServerFactory],
})
export class AgentsModule {}
