import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { HttpLogger } from 'pino-http';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DatabaseMetrics } from './database-metrics';
import { GracefulShutdownService } from './graceful-shutdown.service';
import { HealthController } from './health.controller';
import { InFlightInterceptor } from './in-flight.interceptor';
import { MetricsService } from './metrics.service';
import { createHttpLogger, HTTP_LOGGER, LOG_DESTINATION, stdoutDestination } from './request-logging';

/**
 * Metrics, probes, JSON logs and the shutdown sequence. The request logger is ours (mounted by
 * configureApp before the body parser, so that every request gets its line); nestjs-pino reuses it
 * (`useExisting`) to bind each request's logger for the logs made while handling it and to serve
 * as Nest's logger.
 */
@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({
      providers: [
        { provide: LOG_DESTINATION, useFactory: stdoutDestination },
        {
          provide: HTTP_LOGGER,
          inject: [APP_CONFIG, LOG_DESTINATION],
          useFactory: (config: AppConfig, destination: DestinationStream) =>
            createHttpLogger(config.observability, destination),
        },
      ],
      inject: [HTTP_LOGGER],
      useFactory: (http: HttpLogger) => ({ pinoHttp: { logger: http.logger }, useExisting: true }),
    }),
  ],
  controllers: [HealthController],
  providers: [
    MetricsService,
    DatabaseMetrics,
    GracefulShutdownService,
    { provide: APP_INTERCEPTOR, useClass: InFlightInterceptor },
  ],
  exports: [MetricsService, GracefulShutdownService],
})
export class ObservabilityModule {}
