import { Controller, Get, HttpStatus, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import { Principal } from '../auth/principal';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { ApiErrors } from '../common/api-errors.decorator';
import { DecisionDto, DecisionQueryDto } from './decision.dto';
import { DecisionService } from './decision.service';

@ApiTags('workflows')
@Controller('v1/workflows')
export class DecisionsController {
  constructor(private readonly decisions: DecisionService) {}

  @Get(':workflow_id/decision')
  @Access('read')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({
    summary: 'The item’s decision; with wait_seconds, waits until it is decided or changes are requested (long poll)',
  })
  @ApiEnvelope(DecisionDto)
  getDecision(
    @CurrentPrincipal() principal: Principal,
    @Param('workflow_id') workflowId: string,
    @Query() query: DecisionQueryDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const gone = new AbortController();
    // A client that left while the guards ran has had its 'close' already: it must not hold a slot.
    if (res.destroyed) gone.abort();
    else res.once('close', () => gone.abort());
    return this.decisions.decision(principal, workflowId, Number(query.wait_seconds ?? 0), gone.signal);
  }
}
