import { Module } from '@nestjs/common';
import { WorkflowModule } from '../workflow/workflow.module';
import { AuditExportController } from './audit-export.controller';
import { AuditExportRepository } from './audit-export.repository';
import { AuditExportService } from './audit-export.service';
import { ExportSignerService } from './export-signer.service';

/** Signed per-item and bulk audit exports (SPEC §9); verification is offline, in the CLI. */
@Module({
  imports: [WorkflowModule],
  controllers: [AuditExportController],
  providers: [AuditExportService, AuditExportRepository, ExportSignerService],
})
export class AuditExportModule {}
