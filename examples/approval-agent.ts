/**
 * An agent that asks a person before a risky step, waits for the answer, and acts on it.
 *
 *   DG_URL=http://127.0.0.1:3000 DG_TOKEN=dev-writer-token DG_TENANT=acme npx tsx examples/approval-agent.ts
 *
 * Decide the request in the console or with
 * `POST /api/v1/workflows/<workflow_id>/actions {"action":"approve","reason":"…"}` as another account.
 */
import { createDecisionGraphClient, type DecisionGraphClient } from '@decisiongraph/client';

export type AgentOutcome = 'refunded' | 'declined' | 'revising' | 'timed_out';

export type AgentOptions = {
  baseUrl: string;
  token: string;
  tenantId: string;
  /** How long the agent waits for a person before giving up. */
  timeoutMs: number;
  orderId?: string;
  log?: (line: string) => void;
};

export async function runApprovalAgent(options: AgentOptions): Promise<{ outcome: AgentOutcome; workflowId: string }> {
  const log = options.log ?? console.log;
  const orderId = options.orderId ?? '1042';
  const dg = createDecisionGraphClient({ baseUrl: options.baseUrl, token: options.token, tenantId: options.tenantId });

  // 1. Ask: the risky step becomes an item in the reviewers' inbox.
  const { workflowId, traceId } = await dg.requestApproval({
    title: `Refund order ${orderId} (2,400 EUR)`,
    reason: 'The refund is above the 500 EUR an agent may grant alone',
    priority: 'high',
    evidence: [{ locator: `https://shop.example.com/orders/${orderId}` }],
    producerId: 'refund-agent',
  });
  log(`asked for approval: ${workflowId}`);

  // 2. Wait: long polls, no busy loop, no webhook receiver.
  const decision = await dg.waitForDecision(workflowId, { timeoutMs: options.timeoutMs });

  // 3. Act on the answer, and record what was done in the same trace.
  if (decision.decided && decision.decision === 'approved') {
    log(`approved by ${decision.decided_by}: ${decision.reason}; refunding order ${orderId}`);
    await recordOutcome(dg, traceId, orderId, 'success');
    return { outcome: 'refunded', workflowId };
  }
  if (decision.changes_requested) {
    log(`changes requested: ${decision.reason}`);
    return { outcome: 'revising', workflowId };
  }
  if (decision.decided) {
    log(`declined (${decision.decision}): ${decision.reason}`);
    await recordOutcome(dg, traceId, orderId, 'abandoned');
    return { outcome: 'declined', workflowId };
  }
  log('no decision in time; leaving the request open');
  return { outcome: 'timed_out', workflowId };
}

/** Appends ActionCommitted (when refunded) and TraceFinished after the trace's last event. */
async function recordOutcome(
  dg: DecisionGraphClient,
  traceId: string,
  orderId: string,
  outcome: 'success' | 'abandoned',
): Promise<void> {
  const header = dg.tenantHeader;
  const trace = await dg.api.GET('/api/v1/traces/{trace_id}', { params: { header, path: { trace_id: traceId } } });
  let seq = Math.max(...(trace.data?.data.events ?? []).map((e) => e.trace_seq)) + 1;
  const event = (event_type: 'ActionCommitted' | 'TraceFinished', payload: Record<string, unknown>) => ({
    event_id: `evt-${crypto.randomUUID()}`,
    trace_id: traceId,
    trace_seq: seq++,
    event_type,
    occurred_at: new Date().toISOString(),
    source: { producer_id: 'refund-agent', system: 'agent' },
    actor: { actor_id: 'refund-agent', actor_type: 'agent' as const },
    idempotency_key: `refund-${crypto.randomUUID()}`,
    payload,
    correlation_id: traceId,
    causation_event_id: null,
    schema_version: 1,
    tags: ['agent'],
  });
  const events =
    outcome === 'success'
      ? [
          event('ActionCommitted', { action_id: `refund-${orderId}`, status: 'success' }),
          event('TraceFinished', { outcome }),
        ]
      : [event('TraceFinished', { outcome })];
  const res = await dg.api.POST('/api/v1/events/batch', { params: { header }, body: { events } });
  if (res.error) throw new Error(`recording the outcome failed: ${JSON.stringify(res.error)}`);
}

if (require.main === module) {
  runApprovalAgent({
    baseUrl: process.env.DG_URL ?? 'http://127.0.0.1:3000',
    token: process.env.DG_TOKEN ?? 'dev-writer-token',
    tenantId: process.env.DG_TENANT ?? 'acme',
    timeoutMs: Number(process.env.DG_WAIT_MS ?? 10 * 60_000),
  }).then(
    ({ outcome }) => console.log(`outcome: ${outcome}`),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
