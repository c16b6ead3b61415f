import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { AgentsModule } from './agents/agents.module';
import { AuditExportModule } from './audit-export/audit-export.module';
import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { CommonModule } from './common/common.module';
import { ConsoleModule } from './console/console.module';
import { EnvelopeInterceptor } from './common/envelope.interceptor';
import { JsonBodyInterceptor } from './common/json-body.interceptor';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { NotificationsModule } from './notifications/notifications.module';
import { ObservabilityModule } from './observability/observability.module';
import { PoliciesModule } from './policies/policies.module';
import { SlaModule } from './sla/sla.module';
import { ProjectionsModule } from './projections/projections.module';
import { InboxMetricsModule } from './workflow/inbox-metrics.module';
import { WorkflowModule } from './workflow/workflow.module';

@Module({})
export class AppModule {
  /** The whole service for one configuration (main.ts, the CLI and the tests each parse their own). */
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule,
        DatabaseModule,
        ObservabilityModule,
        AuthModule,
        IngestionModule,
        NotificationsModule,
        PoliciesModule,
        WorkflowModule,
        InboxMetricsModule,
        SlaModule,
        ProjectionsModule,
        AuditExportModule,
        AgentsModule,
        ConsoleModule,
        ScheduleModule.forRoot(),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: JsonBodyInterceptor },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
      ],
    };
  }
}
