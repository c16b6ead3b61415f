import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { loadConfig } from '../config/app-config';
import { PrismaService } from '../database/prisma.service';
import { EventAppenderService } from '../ingestion/event-appender.service';
import { validateEvent } from '../ingestion/event-validation';
import { IngestionService } from '../ingestion/ingestion.service';
import { scanJsonNumbers } from '../ingestion/json-number-scan';
import { WorkflowQueryService } from '../workflow/workflow-query.service';
import { DEMO_EVENTS, DEMO_REVIEW } from './demo-dataset';

/**
 * Seeds SPEC §10's demo dataset into a tenant through the append path, then prints the inbox
 * summary. Stable event ids and idempotency keys make a second run a replay that changes nothing.
 */
export async function seedDemo(tenantId: string): Promise<Record<string, number>> {
  const app = await NestFactory.createApplicationContext(AppModule.register(loadConfig()), {
    logger: ['error', 'warn'],
  });
  try {
    return await seedDemoInto(app, tenantId);
  } finally {
    await app.close();
  }
}

export async function seedDemoInto(app: INestApplicationContext, tenantId: string): Promise<Record<string, number>> {
  const principal: Principal = { accountId: 'demo-seed', roles: ['admin'], permissions: ['*'], tenantId };
  const text = JSON.stringify({ events: DEMO_EVENTS });
  await app.get(IngestionService).appendBatch(principal, JSON.parse(text), text);
  // The review comes from the workflow layer itself, so the finished trace accepts it.
  const reviewText = JSON.stringify(DEMO_REVIEW);
  const review = validateEvent(JSON.parse(reviewText), scanJsonNumbers(reviewText));
  const recordedAt = app.get(Clock).now();
  await app
    .get(PrismaService)
    .$transaction((tx) => app.get(EventAppenderService).append(tx, tenantId, [review], { internal: true, recordedAt }));
  const inbox = await app.get(WorkflowQueryService).listInbox(principal, { only_open: 'false' });
  return inbox.summary;
}
