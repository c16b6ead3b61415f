import { Controller, Get, Header, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/access.decorator';
import { RawResponse } from '../common/envelope.interceptor';
import { DatabaseReadinessService } from '../database/database-readiness.service';
import { MetricsService } from './metrics.service';

export class HealthDto {
  @ApiProperty({ example: 'ok' }) status!: string;
}

export class ReadinessDto {
  @ApiProperty({ example: 'ready', enum: ['ready', 'not_ready'] }) status!: string;
  @ApiProperty({ required: false, enum: ['database_unreachable', 'migrations_pending'] }) reason?: string;
}

@ApiTags('operations')
@Controller()
@Public()
@RawResponse()
export class HealthController {
  constructor(
    private readonly readiness: DatabaseReadinessService,
    private readonly metrics: MetricsService,
  ) {}

  /** Liveness: the process answers. Says nothing else on purpose. */
  @Get('healthz')
  @ApiOperation({ summary: 'Liveness probe: the process answers' })
  @ApiOkResponse({ type: HealthDto })
  healthz(): HealthDto {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and every shipped migration is applied. */
  @Get('readyz')
  @ApiOperation({ summary: 'Readiness probe: the database answers and every migration is applied' })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto })
  async readyz(@Res({ passthrough: true }) res: Response): Promise<ReadinessDto> {
    const state = await this.readiness.check();
    if (state.ready) return { status: 'ready' };
    res.status(503);
    return { status: 'not_ready', reason: state.reason };
  }

  @Get('/metrics')
  @ApiOperation({ summary: 'Prometheus metrics (outside /api; keep it off public ingress)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition', schema: { type: 'string' } })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
