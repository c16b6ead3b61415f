import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import { Principal } from '../auth/principal';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { ApiErrors } from '../common/api-errors.decorator';
import {
  CreateReplayDto,
  ProjectionHealthDto,
  ReplayListQueryDto,
  ReplayRunEnvelopeDto,
  ReplayRunPageDto,
} from './replay.dto';
import { ReplaysService } from './replays.service';

@ApiTags('projections')
@Controller('v1')
export class ReplaysController {
  constructor(private readonly replays: ReplaysService) {}

  @Get('projections/health')
  @Access('read')
  @ApiOperation({
    summary: 'Read models: position, staleness, last digest and open failures (reads stored results only)',
  })
  @ApiEnvelope(ProjectionHealthDto)
  projectionHealth(@CurrentPrincipal() principal: Principal) {
    return this.replays.health(principal);
  }

  @Post('admin/replays')
  @HttpCode(HttpStatus.ACCEPTED)
  @Access('admin')
  @ApiErrors(HttpStatus.CONFLICT)
  @ApiOperation({
    summary: 'Queue a verify, catch_up or rebuild of a read model (projection_replay; rebuild: projection_rebuild)',
  })
  @ApiEnvelope(ReplayRunEnvelopeDto, HttpStatus.ACCEPTED)
  createReplay(@CurrentPrincipal() principal: Principal, @Body() body: CreateReplayDto) {
    return this.replays.create(principal, body);
  }

  @Get('admin/replays')
  @Access('admin')
  @ApiOperation({ summary: 'The tenant’s replay runs, newest first' })
  @ApiEnvelope(ReplayRunPageDto)
  listReplays(@CurrentPrincipal() principal: Principal, @Query() query: ReplayListQueryDto) {
    return this.replays.list(principal, query);
  }

  @Get('admin/replays/:job_id')
  @Access('admin')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'One replay run with its progress and result' })
  @ApiEnvelope(ReplayRunEnvelopeDto)
  getReplay(@CurrentPrincipal() principal: Principal, @Param('job_id') jobId: string) {
    return this.replays.get(principal, jobId);
  }

  @Post('admin/replays/:job_id/cancel')
  @HttpCode(HttpStatus.OK)
  @Access('admin')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'Cancel a queued or running replay run (it stops between batches)' })
  @ApiEnvelope(ReplayRunEnvelopeDto)
  cancelReplay(@CurrentPrincipal() principal: Principal, @Param('job_id') jobId: string) {
    return this.replays.cancel(principal, jobId);
  }
}
