import { Controller, Get, Param, HttpStatus, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import { Principal } from '../auth/principal';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { TraceDto, TraceQueryDto } from './event.dto';
import { IngestionService } from './ingestion.service';
import { ApiErrors } from '../common/api-errors.decorator';

@ApiTags('events')
@Controller('v1/traces')
export class TracesController {
  constructor(private readonly ingestion: IngestionService) {}

  @Get(':trace_id')
  @Access('read')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'A trace: a page of its events by trace_seq, its summary and its workflow items' })
  @ApiEnvelope(TraceDto)
  getTrace(
    @CurrentPrincipal() principal: Principal,
    @Param('trace_id') traceId: string,
    @Query() query: TraceQueryDto,
  ) {
    return this.ingestion.readTrace(principal, traceId, query);
  }
}
