import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import { Principal } from '../auth/principal';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { PrecedentListDto, PrecedentQueryDto } from './precedent.dto';
import { PrecedentsService } from './precedents.service';

@ApiTags('events')
@Controller('v1/precedents')
export class PrecedentsController {
  constructor(private readonly precedents: PrecedentsService) {}

  @Get()
  @Access('read')
  @ApiOperation({ summary: 'Finished traces by entity or policy, newest first' })
  @ApiEnvelope(PrecedentListDto)
  listPrecedents(@CurrentPrincipal() principal: Principal, @Query() query: PrecedentQueryDto) {
    return this.precedents.list(principal, query);
  }
}
