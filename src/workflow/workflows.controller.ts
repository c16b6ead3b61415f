import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import { Principal } from '../auth/principal';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { NotificationPageDto } from '../notifications/notification.dto';
import { WorkflowActionDto } from './workflow-action.dto';
import { WorkflowActionsService } from './workflow-actions.service';
import { WorkflowNotificationQueryDto } from '../notifications/notification-query.dto';
import { InboxQueryDto, WorkflowActionQueryDto } from './workflow-query.dto';
import { WorkflowQueryService } from './workflow-query.service';
import { ActionResultDto, InboxDto, WorkflowActionPageDto, WorkflowDetailDto } from './workflow.dto';
import { ApiErrors } from '../common/api-errors.decorator';

const ETAG_HEADER = {
  ETag: { required: true, description: 'the item version, quoted; send it as If-Match', schema: { type: 'string' } },
};

@ApiTags('workflows')
@Controller('v1/workflows')
export class WorkflowsController {
  constructor(
    private readonly queries: WorkflowQueryService,
    private readonly actions: WorkflowActionsService,
  ) {}

  @Get()
  @Access('read')
  @ApiOperation({ summary: 'The reviewer inbox: overdue first, then priority, requested_at, workflow_id' })
  @ApiEnvelope(InboxDto)
  listWorkflows(@CurrentPrincipal() principal: Principal, @Query() query: InboxQueryDto) {
    return this.queries.listInbox(principal, query);
  }

  @Get(':workflow_id')
  @Access('read')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'An item with its actions, newest notifications and trace reference; ETag is its version' })
  @ApiEnvelope(WorkflowDetailDto, HttpStatus.OK, '', ETAG_HEADER)
  async getWorkflow(
    @CurrentPrincipal() principal: Principal,
    @Param('workflow_id') workflowId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const detail = await this.queries.detail(principal, workflowId);
    res.setHeader('ETag', `"${detail.workflow.version}"`);
    return detail;
  }

  @Get(':workflow_id/actions')
  @Access('read')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'An item’s actions, oldest first, a page at a time' })
  @ApiEnvelope(WorkflowActionPageDto)
  listWorkflowActions(
    @CurrentPrincipal() principal: Principal,
    @Param('workflow_id') workflowId: string,
    @Query() query: WorkflowActionQueryDto,
  ) {
    return this.queries.itemActions(principal, workflowId, query);
  }

  @Get(':workflow_id/notifications')
  @Access('read')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'An item’s notifications, newest first' })
  @ApiEnvelope(NotificationPageDto)
  listWorkflowNotifications(
    @CurrentPrincipal() principal: Principal,
    @Param('workflow_id') workflowId: string,
    @Query() query: WorkflowNotificationQueryDto,
  ) {
    return this.queries.itemNotifications(principal, workflowId, query);
  }

  @Post(':workflow_id/actions')
  @Access('write')
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.PRECONDITION_FAILED, HttpStatus.UNPROCESSABLE_ENTITY)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Approve, reject, override, request a change, comment, reassign, escalate, claim or release',
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item version from the ETag; 412 when stale' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'replays the first response for the same key and body',
  })
  @ApiEnvelope(ActionResultDto, HttpStatus.OK, '', ETAG_HEADER)
  async actOnWorkflow(
    @CurrentPrincipal() principal: Principal,
    @Param('workflow_id') workflowId: string,
    @Body() body: WorkflowActionDto,
    @Res({ passthrough: true }) res: Response,
    // Named as in @ApiHeader, so the document declares each header once and optional (Nest reads headers case-insensitively).
    @Headers('If-Match') ifMatch?: string,
    @Headers('Idempotency-Key') idempotencyKey?: string,
  ) {
    const result = await this.actions.act(principal, workflowId, { body, ifMatch, idempotencyKey });
    res.setHeader('ETag', `"${result.workflow.version}"`);
    return result;
  }
}
