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
import { DEMO_EVENTS, DEMO_REVIEW, type DemoEvent } from './demo-dataset';

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
  // The agents' events and the reviewer's decisions come from different principals (SPEC §11.3: a
  // requester never decides its own request), in log order: one batch per run of one principal.
  for (const run of runsByRecorder(DEMO_EVENTS)) {
    const principal = demoPrincipal(run[0].recorded_by, tenantId);
    const text = JSON.stringify({ events: run.map(({ recorded_by: _by, ...event }) => event) });
    await app.get(IngestionService).appendBatch(principal, JSON.parse(text), text);
  }
  // The review comes from the workflow layer itself (the studio), so the finished trace accepts it.
  const { recorded_by: reviewer, ...reviewEvent } = DEMO_REVIEW;
  const reviewText = JSON.stringify(reviewEvent);
  const review = validateEvent(JSON.parse(reviewText), scanJsonNumbers(reviewText));
  const recordedAt = app.get(Clock).now();
  await app
    .get(PrismaService)
    .$transaction((tx) =>
      app
        .get(EventAppenderService)
        .append(tx, tenantId, [review], { internal: true, recordedAt, recordedBy: reviewer }),
    );
  const reader = demoPrincipal('demo-seed', tenantId);
  const inbox = await app.get(WorkflowQueryService).listInbox(reader, { only_open: 'false' });
  return inbox.summary;
}

function demoPrincipal(accountId: string, tenantId: string): Principal {
  return { accountId, roles: ['admin'], permissions: ['*'], tenantId };
}

/** Consecutive events of one recorder, in order. */
function runsByRecorder(events: DemoEvent[]): DemoEvent[][] {
  const runs: DemoEvent[][] = [];
  for (const event of events) {
    const last = runs.at(-1);
    if (last && last[0].recorded_by === event.recorded_by) last.push(event);
    else runs.push([event]);
  }
  return runs;
}
