import type { NestExpressApplication } from '@nestjs/platform-express';
import { apiAs } from '../setup/api-client';
import { DEV_TOKENS } from '../setup/test-app';
import { anEvent } from '../factories/events';
import { anException } from '../factories/workflows';

const HOUR = 3_600_000;

/** Items are requested by the writer (an agent's account) and decided by the admin (SPEC §11.3). */
export function writerApi(app: NestExpressApplication, tenant: string) {
  return apiAs(app, tenant, DEV_TOKENS.writer);
}

/** One trace with `count` open exceptions `ex-1`…`ex-<count>`, the first `urgent` ones urgent. */
export async function seedExceptions(
  app: NestExpressApplication,
  tenant: string,
  traceId: string,
  count: number,
  urgent = 0,
): Promise<string[]> {
  const events = [anEvent('TraceStarted', { trace_id: traceId, trace_seq: 0 })];
  for (let i = 1; i <= count; i++) {
    events.push(
      anException(traceId, i, {
        exception_id: `ex-${i}`,
        priority: i <= urgent ? 'urgent' : 'normal',
        reason: `Discount ${10 + i}% above the cap`,
      }),
    );
  }
  await writerApi(app, tenant).post('/api/v1/events/batch', { events }).expect(201);
  return events.slice(1).map((_, i) => `${traceId}:exception:ex-${i + 1}`);
}

type Showcase = {
  traceId: string;
  workflow: string;
  title: string;
  priority: string;
  hoursAgo: number;
  reason: string;
};

const SHOWCASE: Showcase[] = [
  {
    traceId: 'renewal-acme-2026',
    workflow: 'contract_renewal',
    title: 'Renew ACME Corp enterprise contract',
    priority: 'urgent',
    hoursAgo: 5,
    reason: 'Discount of 32% exceeds the 20% cap for renewals',
  },
  {
    traceId: 'refund-8841',
    workflow: 'refund',
    title: 'Refund order 8841 outside the 30-day window',
    priority: 'high',
    hoursAgo: 1,
    reason: 'Refund requested 41 days after delivery',
  },
  {
    traceId: 'access-grant-ops-17',
    workflow: 'access_request',
    title: 'Grant production database access to on-call engineer',
    priority: 'high',
    hoursAgo: 3.6,
    reason: 'Break-glass access outside business hours',
  },
  {
    traceId: 'vendor-onboard-globex',
    workflow: 'vendor_onboarding',
    title: 'Onboard Globex as a payment vendor',
    priority: 'normal',
    hoursAgo: 0.5,
    reason: 'Vendor risk score 71 is above the automatic threshold',
  },
  {
    traceId: 'pricing-override-eu',
    workflow: 'pricing',
    title: 'Regional price override for EU launch',
    priority: 'low',
    hoursAgo: 0.2,
    reason: 'Price below the floor in two markets',
  },
];

/** A handful of realistic items for the README screenshots: varied titles, priorities and SLA states. */
export async function seedShowcase(app: NestExpressApplication, tenant: string): Promise<string[]> {
  const api = writerApi(app, tenant);
  const events = SHOWCASE.flatMap((s) => {
    const at = new Date(Date.now() - s.hoursAgo * HOUR).toISOString();
    const started = anEvent('TraceStarted', {
      trace_id: s.traceId,
      trace_seq: 0,
      occurred_at: at,
      payload: {
        workflow: s.workflow,
        title: s.title,
        primary_entity: { entity_type: 'account', entity_id: s.traceId, system: 'crm' },
      },
    });
    const policy = anEvent('PolicyEvaluated', { trace_id: s.traceId, trace_seq: 1, occurred_at: at });
    const exception = anException(
      s.traceId,
      2,
      { exception_id: 'ex-1', priority: s.priority, reason: s.reason },
      { occurred_at: at, actor: { actor_id: 'pricing-agent', actor_type: 'agent' } },
    );
    return [started, policy, exception];
  });
  await api.post('/api/v1/events/batch', { events }).expect(201);
  const ids = SHOWCASE.map((s) => `${s.traceId}:exception:ex-1`);
  // One item claimed by a reviewer, so the inbox shows an in-review row with its assignee.
  await api.post(`/api/v1/workflows/${encodeURIComponent(ids[3])}/actions`, { action: 'claim' }).expect(200);
  return ids;
}
