import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../../auth/access.decorator';
import { Principal } from '../../auth/principal';
import { ApiEnvelope } from '../../common/api-envelope.decorator';
import {
  StartReviewDto,
  StartReviewResultDto,
  StudioDryRunDto,
  StudioQueryDto,
  TemplateListDto,
} from './workflow-studio.dto';
import { WorkflowStudioService } from './workflow-studio.service';
import { ApiErrors } from '../../common/api-errors.decorator';

@ApiTags('workflow-studio')
@Controller('v1/workflow-studio')
export class WorkflowStudioController {
  constructor(private readonly studio: WorkflowStudioService) {}

  @Get('templates')
  @Access('read')
  @ApiOperation({ summary: 'The built-in review templates, then the tenant’s active ones (SPEC §14)' })
  @ApiEnvelope(TemplateListDto)
  listReviewTemplates(@CurrentPrincipal() principal: Principal) {
    return this.studio.templates(principal);
  }

  @Get('traces/:trace_id')
  @Access('read')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'Dry run: the review a trace would get, with risk signals and precedents; writes nothing' })
  @ApiEnvelope(StudioDryRunDto)
  previewTraceReview(
    @CurrentPrincipal() principal: Principal,
    @Param('trace_id') traceId: string,
    @Query() query: StudioQueryDto,
  ) {
    return this.studio.dryRun(principal, traceId, query.template_id);
  }

  @Post('traces/:trace_id/reviews')
  @Access('write', 'workflow_assign')
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.UNPROCESSABLE_ENTITY)
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Start a review of a trace (appends WorkflowReviewRequested); created:false when it exists',
  })
  @ApiEnvelope(StartReviewResultDto, HttpStatus.CREATED)
  startTraceReview(
    @CurrentPrincipal() principal: Principal,
    @Param('trace_id') traceId: string,
    @Body() body: StartReviewDto,
  ) {
    return this.studio.startReview(principal, traceId, body);
  }
}
