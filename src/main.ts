import 'reflect-metadata';
import { Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { loadConfig } from './config/app-config';
import { ConfigError } from './config/env-parsers';

async function bootstrap(): Promise<void> {
  // Validate the environment before Nest starts, so a bad setting exits with one clear line.
  const config = loadConfig();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    bodyParser: false,
    logger: levelsFrom(config.logLevel),
  });
  configureApp(app);
  await app.listen(config.port, config.host);
  // Graceful shutdown: stop accepting, let in-flight requests finish, close the database, exit 0.
  const shutdown = (signal: NodeJS.Signals) => {
    new Logger('Bootstrap').log(`${signal} received: shutting down`);
    app.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error('shutdown failed:', e instanceof Error ? e.message : e);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  new Logger('Bootstrap').log(`DecisionGraph listening on http://${config.host}:${config.port} (database: ${config.database.kind})`);
}

const LEVELS: LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];

function levelsFrom(least: LogLevel): LogLevel[] {
  return LEVELS.slice(LEVELS.indexOf(least));
}

bootstrap().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    console.error(e.message);
  } else {
    console.error('DecisionGraph failed to start:', e instanceof Error ? e.message : e);
  }
  process.exit(1);
});
