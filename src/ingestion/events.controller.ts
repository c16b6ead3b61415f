import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import { Principal } from '../auth/principal';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { RawBodyText } from '../common/raw-body.decorator';
import {
  AppendResultDto,
  BatchResultDto,
  EventBatchDto,
  EventEnvelopeDto,
  EventFeedDto,
  EventFeedQueryDto,
} from './event.dto';
import { IngestionService } from './ingestion.service';
import { ApiErrors } from '../common/api-errors.decorator';

@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post()
  @Access('write')
  @ApiErrors(HttpStatus.CONFLICT, HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.UNPROCESSABLE_ENTITY)
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Append one decision event (idempotent per producer and idempotency key)' })
  @ApiBody({ type: EventEnvelopeDto })
  @ApiEnvelope(AppendResultDto, HttpStatus.CREATED)
  appendEvent(@CurrentPrincipal() principal: Principal, @Body() body: unknown, @RawBodyText() raw: string | undefined) {
    return this.ingestion.appendOne(principal, body, raw);
  }

  @Post('batch')
  @Access('write')
  @ApiErrors(HttpStatus.CONFLICT, HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.UNPROCESSABLE_ENTITY)
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Append up to 500 events atomically' })
  @ApiBody({ type: EventBatchDto })
  @ApiEnvelope(BatchResultDto, HttpStatus.CREATED)
  appendEventBatch(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @RawBodyText() raw: string | undefined,
  ) {
    return this.ingestion.appendBatch(principal, body, raw);
  }

  @Get()
  @Access('read')
  @ApiOperation({ summary: 'The tenant feed in log_seq order' })
  @ApiEnvelope(EventFeedDto)
  listEvents(@CurrentPrincipal() principal: Principal, @Query() query: EventFeedQueryDto) {
    return this.ingestion.feed(principal, query);
  }
}
