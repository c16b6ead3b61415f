import { INestApplication, RequestMethod, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { HttpLogger } from 'pino-http';
import { DomainError } from './common/error-codes';
import { StorableTextPipe } from './common/storable-text.pipe';
import { requestIdMiddleware } from './common/request-id';
import { AppConfig } from './config/app-config';
import { APP_CONFIG } from './config/config.module';
import { GracefulShutdownService } from './observability/graceful-shutdown.service';
import { httpMetricsMiddleware } from './observability/http-metrics.middleware';
import { MetricsService } from './observability/metrics.service';
import { HTTP_LOGGER } from './observability/request-logging';

/**
 * Everything main.ts and the e2e tests share: JSON logs, request ids, in-flight tracking for the
 * graceful shutdown, metrics, the API prefix, validation and the OpenAPI document. The app must be
 * created with `bodyParser: false`: bodies are read by JsonBodyInterceptor, after authentication.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<AppConfig>(APP_CONFIG);
  app.set('trust proxy', config.trustProxy);
  // Only the ETags the API means (an item's version); Express would hash every other body into a weak one.
  app.set('etag', false);
  app.disable('x-powered-by');
  app.useLogger(app.get(Logger));
  app.use(requestIdMiddleware);
  app.use(app.get<HttpLogger>(HTTP_LOGGER));
  app.use(app.get(GracefulShutdownService).track);
  app.use(httpMetricsMiddleware(app.get(MetricsService)));
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'metrics', method: RequestMethod.GET },
      { path: 'mcp', method: RequestMethod.ALL },
      // The reviewer console (SPEC §13) lives beside the API, not under it.
      { path: 'console', method: RequestMethod.GET },
      { path: 'console/*path', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(
    new StorableTextPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new DomainError(
          'invalid_argument',
          errors
            .flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` }))
            .join('; '),
          {
            fields: errors.map((e) => e.property),
          },
        ),
    }),
  );
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/openapi.json', useGlobalPrefix: false });
  return app;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const options = new DocumentBuilder()
    .setTitle('DecisionGraph')
    .setDescription('Append-only decision log and human-in-the-loop control plane for AI agents and automations.')
    .setVersion('0.1.0')
    // Paths carry their full prefix (/api/..., /metrics): the service's own origin.
    .addServer('/')
    .addBearerAuth()
    .build();
  // As package.json says: proprietary, so a name without a URL (redocly.yaml: info-license-strict).
  options.info.license = { name: 'UNLICENSED' };
  return SwaggerModule.createDocument(app, options, {
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
  });
}
