import { Module, OnModuleInit } from '@nestjs/common';
import { IngestionModule } from '../ingestion/ingestion.module';
import { TraceWorkflowsRegistry } from '../ingestion/trace-workflows.registry';
import { NotificationsModule } from '../notifications/notifications.module';
import { WorkflowActionWriteRepository } from './workflow-action-write.repository';
import { PoliciesModule } from '../policies/policies.module';
import { WorkflowActionRepository } from './workflow-action.repository';
import { WorkflowActionsService } from './workflow-actions.service';
import { WorkflowImportService } from './workflow-import.service';
import { WorkflowInboxRepository } from './workflow-inbox.repository';
import { WorkflowItemRepository } from './workflow-item.repository';
import { WorkflowQueryService } from './workflow-query.service';
import { WorkflowRecorderService } from './workflow-recorder.service';
import { WorkflowRuntimeRepository } from './workflow-runtime.repository';
import { WorkflowSlaHooks } from './workflow-sla-hooks';
import { WorkflowsController } from './workflows.controller';
import { WorkflowStudioController } from './studio/workflow-studio.controller';
import { WorkflowStudioService } from './studio/workflow-studio.service';

/** Workflow items on top of the decision log: import, actions, inbox (SPEC §6). */
@Module({
  imports: [IngestionModule, NotificationsModule, PoliciesModule],
  controllers: [WorkflowsController, WorkflowStudioController],
  providers: [
    WorkflowImportService,
    WorkflowActionsService,
    WorkflowQueryService,
    WorkflowRecorderService,
    WorkflowItemRepository,
    WorkflowActionRepository,
    WorkflowActionWriteRepository,
    WorkflowInboxRepository,
    WorkflowRuntimeRepository,
    WorkflowSlaHooks,
    WorkflowStudioService,
  ],
  exports: [WorkflowRecorderService, WorkflowQueryService, WorkflowSlaHooks, WorkflowStudioService],
})
export class WorkflowModule implements OnModuleInit {
  constructor(
    private readonly traceWorkflows: TraceWorkflowsRegistry,
    private readonly queries: WorkflowQueryService,
  ) {}

  onModuleInit(): void {
    this.traceWorkflows.register((db, tenantId, traceId) => this.queries.forTrace(db, tenantId, traceId));
  }
}
