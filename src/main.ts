import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { loadConfig } from './config/app-config';
import { ConfigError } from './config/env-parsers';
import { ExpressHttpAdapter } from './http-adapter';
import { GracefulShutdownService } from './observability/graceful-shutdown.service';

async function bootstrap(): Promise<void> {
  // Validate the environment before Nest starts, so a bad setting exits with one clear line.
  const config = loadConfig();
  // Start-up logs wait for the JSON logger, which configureApp installs.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), new ExpressHttpAdapter(), {
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app);
  await app.listen(config.port, config.host);
  const logger = new Logger('Bootstrap');
  const shutdown = (signal: NodeJS.Signals) => {
    app
      .get(GracefulShutdownService)
      .shutdown(app, signal)
      .then(
        () => process.exit(0),
        (e: unknown) => {
          logger.error(`shutdown failed: ${e instanceof Error ? e.message : String(e)}`);
          process.exit(1);
        },
      );
  };
  // Once: a second signal during the drain takes the default action and ends the process at once.
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  logger.log(`DecisionGraph listening on http://${config.host}:${config.port} (database: ${config.database.kind})`);
}

bootstrap().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    console.error(e.message);
  } else {
    console.error('DecisionGraph failed to start:', e instanceof Error ? e.message : e);
  }
  process.exit(1);
});
