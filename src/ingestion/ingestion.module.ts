import { Module } from '@nestjs/common';
import { AppendHooks } from './append-hooks';
import { AppendRepository } from './append.repository';
import { EventAppenderService } from './event-appender.service';
import { EventLogRepository } from './event-log.repository';
import { EventsController } from './events.controller';
import { IngestionService } from './ingestion.service';
import { PrecedentsController } from './precedents.controller';
import { PrecedentsService } from './precedents.service';
import { TraceSummaryRepository } from './trace-summary.repository';
import { TracesController } from './traces.controller';
import { TraceWorkflowsRegistry } from './trace-workflows.registry';

/** The decision log. Exports its services, the append path and its hooks for the workflow layer; not its repositories. */
@Module({
  controllers: [EventsController, TracesController, PrecedentsController],
  providers: [
    IngestionService,
    PrecedentsService,
    EventAppenderService,
    AppendRepository,
    EventLogRepository,
    TraceSummaryRepository,
    AppendHooks,
    TraceWorkflowsRegistry,
  ],
  exports: [IngestionService, PrecedentsService, EventAppenderService, AppendHooks, TraceWorkflowsRegistry],
})
export class IngestionModule {}
