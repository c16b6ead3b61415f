import { Controller, Get, Param, Query, StreamableFile, HttpStatus } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import { Principal } from '../auth/principal';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { RawResponse } from '../common/envelope.interceptor';
import { BulkExportQueryDto, WorkflowExportDto } from './audit-export.dto';
import { AuditExportService } from './audit-export.service';
import { ApiErrors } from '../common/api-errors.decorator';

@ApiTags('audit-export')
@Controller('v1/admin')
export class AuditExportController {
  constructor(private readonly exports: AuditExportService) {}

  @Get('workflows/:workflow_id/export')
  @Access('admin', 'workflow_export')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'One item’s signed audit export: actions, notifications, trace events, summary, integrity' })
  @ApiEnvelope(WorkflowExportDto)
  exportWorkflow(@CurrentPrincipal() principal: Principal, @Param('workflow_id') workflowId: string) {
    return this.exports.exportWorkflow(principal, workflowId);
  }

  @Get('exports/workflows')
  @Access('admin', 'workflow_export')
  @RawResponse()
  @ApiOperation({
    summary: 'Many items’ exports as NDJSON, one per line by workflow_id, ending with a signed manifest line',
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    description: 'one WorkflowExport per line, then {"manifest": {count, digest, signature, key_id, alg}}',
    content: { 'application/x-ndjson': { schema: { type: 'string' } } },
  })
  async exportWorkflows(@CurrentPrincipal() principal: Principal, @Query() query: BulkExportQueryDto) {
    const lines = await this.exports.exportWorkflows(principal, query);
    return new StreamableFile(Readable.from(lines), { type: 'application/x-ndjson' });
  }
}
