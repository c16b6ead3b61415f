import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import { Principal } from '../auth/principal';
import { EventStreamService } from './event-stream.service';

@ApiTags('stream')
@Controller('v1/stream')
export class StreamController {
  constructor(private readonly streams: EventStreamService) {}

  @Get()
  @Access('read')
  @ApiOperation({
    summary:
      'The tenant’s changes as Server-Sent Events: workflow.changed and notification.created, each with an id; resume with Last-Event-ID',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'the id of the last event received: the stream sends what came after it',
  })
  @ApiResponse({
    status: 200,
    description:
      'events `workflow.changed` (data `{workflow_id, status, version, updated_at}`) and `notification.created` (data: the notification), and comment lines as heartbeats',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  openStream(
    @CurrentPrincipal() principal: Principal,
    @Headers('Last-Event-ID') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return this.streams.open(principal, lastEventId, res);
  }
}
