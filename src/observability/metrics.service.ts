import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { translateError } from '../common/error-translation';

/** From 1 ms to 10 s: an append or an action takes a few ms; a slow one under contention, seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The service's Prometheus registry (one per application instance, so tests stay isolated).
 * Every label takes values from a fixed set (route templates, status codes, action names, error
 * codes) except `tenant` on the inbox gauges, which InboxGauges bounds.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  /**
   * Series labelled by tenant, shown only to a scrape that presents DG_METRICS_TOKEN (SPEC §15), and
   * the same series without the label (summed), shown to any other (HealthController).
   */
  readonly byTenant = new Registry();
  readonly totals = new Registry();

  readonly httpRequests = new Counter({
    name: 'dg_http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'dg_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly appendDuration = new Histogram({
    name: 'dg_append_duration_seconds',
    help: 'Event append transactions (retries included) by mode (single, batch) and outcome (ok or the error code)',
    labelNames: ['mode', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly workflowActionDuration = new Histogram({
    name: 'dg_workflow_action_duration_seconds',
    help: 'Workflow actions by action and outcome (the action outcome, or the error code)',
    labelNames: ['action', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly slaSweepDuration = new Histogram({
    name: 'dg_sla_sweep_duration_seconds',
    help: 'SLA sweeps by outcome (ok or the error code)',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly slaSweepItems = new Counter({
    name: 'dg_sla_sweep_items_total',
    help: 'Workflow items handled by SLA sweeps (deadline-risk notices and escalations)',
    registers: [this.registry],
  });

  /** Webhook attempts by outcome: succeeded, retrying (failed, will retry), failed (given up). */
  readonly webhookDeliveries = new Counter({
    name: 'dg_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (succeeded, retrying, failed = given up)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'dg_' });
  }

  /**
   * Runs `work` and observes its duration in `histogram` with `labels` and an `outcome`: what
   * `outcomeOf` says of the result, or the error code of what it threw (rethrown).
   */
  async time<T>(
    histogram: Histogram<string>,
    labels: Record<string, string>,
    work: () => Promise<T>,
    outcomeOf: (result: T) => string = () => 'ok',
  ): Promise<T> {
    const stop = histogram.startTimer(labels);
    try {
      const result = await work();
      stop({ outcome: outcomeOf(result) });
      return result;
    } catch (e) {
      stop({ outcome: translateError(e)?.code ?? 'internal_error' });
      throw e;
    }
  }
}
