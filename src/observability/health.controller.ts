import { Controller, Get, Header, Headers, Inject, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { Public } from '../auth/access.decorator';
import { hashesEqual, hashToken } from '../auth/token-hash';
import { RawResponse } from '../common/envelope.interceptor';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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

  /** Per-tenant series only for a scrape that presents DG_METRICS_TOKEN as a bearer token. */
  @Get('/metrics')
  @ApiOperation({ summary: 'Prometheus metrics (outside /api; keep it off public ingress)' })
  @ApiProduces('text/plain')
  @ApiHeader({
    name: 'authorization',
    required: false,
    description: '`Bearer <DG_METRICS_TOKEN>`: adds the per-tenant inbox series',
  })
  @ApiOkResponse({ description: 'Prometheus text exposition', schema: { type: 'string' } })
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus(@Headers('authorization') authorization: string | undefined): Promise<string> {
    const inbox = this.presentsMetricsToken(authorization) ? this.metrics.byTenant : this.metrics.totals;
    return Registry.merge([this.metrics.registry, inbox]).metrics();
  }

  private presentsMetricsToken(authorization: string | undefined): boolean {
    const token = this.config.observability.metricsToken;
    const presented = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    return token !== undefined && presented !== undefined && hashesEqual(hashToken(presented), hashToken(token));
  }
}
