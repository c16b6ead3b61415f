import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../app.module';
import { buildOpenApiDocument, configureApp } from '../app.setup';
import { loadConfigWith } from '../config/app-config';

/** Writes the OpenAPI document the service serves; the app is built on a throwaway database. */
export async function writeOpenApiDocument(file: string): Promise<void> {
  const config = loadConfigWith({ DATABASE_URL: 'pglite:memory://', DG_MIGRATE_ON_START: 'false' });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    bodyParser: false,
    logger: ['error'],
  });
  configureApp(app);
  writeFileSync(file, serialiseOpenApi(buildOpenApiDocument(app)));
  await app.close();
  console.log(`wrote ${file}`);
}

export function serialiseOpenApi(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
