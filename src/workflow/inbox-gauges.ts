import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PrismaService } from '../database/prisma.service';
import { MetricsService } from '../observability/metrics.service';
import { InboxCountsRepository, TenantInboxCounts } from './inbox-counts.repository';

const OPEN = { name: 'dg_inbox_open_items', help: 'Open workflow items' };
const OVERDUE = { name: 'dg_inbox_overdue_items', help: 'Open workflow items past their SLA' };

/**
 * Inbox open/overdue gauges, read from the table rather than kept up to date by every code path
 * that changes an item: the table is the truth, overdue changes with the clock and no write at
 * all, and every replica reports the same value (aggregate with max, not sum).
 *
 * Bounded (SPEC §15): one read serves every scrape for DG_METRICS_INBOX_CACHE_SECONDS (concurrent
 * scrapes share it), under a statement timeout of its own, for the DG_METRICS_INBOX_TENANTS tenants
 * with the most open items only. Tenant ids are shown only to a scrape that presents
 * DG_METRICS_TOKEN (MetricsService.byTenant); any other gets the same gauges summed over those
 * tenants (MetricsService.totals), without a tenant label. Workflow's own query, registered on
 * observability's registries, so that the import points from workflow to observability only.
 */
@Injectable()
export class InboxGauges {
  private readonly logger = new Logger(InboxGauges.name);
  private cached: { at: number; read: Promise<TenantInboxCounts[]>; settled: boolean } | undefined;

  constructor(
    metrics: MetricsService,
    private readonly prisma: PrismaService,
    private readonly counts: InboxCountsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const tenants = () => this.tenants();
    for (const [{ name, help }, pick] of [
      [OPEN, (t: TenantInboxCounts) => t.open],
      [OVERDUE, (t: TenantInboxCounts) => t.overdue],
    ] as const) {
      new Gauge({
        name,
        help: `${help} per tenant`,
        labelNames: ['tenant'],
        registers: [metrics.byTenant],
        async collect() {
          const rows = await tenants();
          this.reset();
          for (const t of rows) this.set({ tenant: t.tenantId }, pick(t));
        },
      });
      new Gauge({
        name,
        help: `${help}, summed over the tenants with the most open items (DG_METRICS_INBOX_TENANTS)`,
        registers: [metrics.totals],
        async collect() {
          const rows = await tenants();
          this.set(rows.reduce((sum, t) => sum + pick(t), 0));
        },
      });
    }
  }

  /** A read in flight serves every scrape; a finished one, those inside the cache time. */
  private tenants(): Promise<TenantInboxCounts[]> {
    const now = performance.now();
    const cached = this.cached;
    if (cached && (!cached.settled || now - cached.at < this.config.observability.inboxMetricsCacheMs))
      return cached.read;
    const next = { at: now, read: this.read(), settled: false };
    void next.read.finally(() => (next.settled = true));
    this.cached = next;
    return next.read;
  }

  private async read(): Promise<TenantInboxCounts[]> {
    const limit = this.config.observability.inboxMetricsTenants;
    try {
      return limit ? await this.counts.busiestTenants(this.prisma, this.clock.now(), limit) : [];
    } catch (e) {
      // A scrape still answers (with no inbox series) when the database does not.
      this.logger.warn(`inbox gauges not read: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }
}
