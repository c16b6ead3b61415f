import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PrismaService } from '../database/prisma.service';
import { MetricsService } from '../observability/metrics.service';
import { InboxCountsRepository } from './inbox-counts.repository';

/**
 * Inbox open/overdue gauges per tenant, read from the table when Prometheus scrapes rather than
 * kept up to date by every code path that changes an item: the table is the truth, overdue changes
 * with the clock and no write at all, and every replica reports the same value (aggregate with
 * max, not sum). Bounded: only the DG_METRICS_INBOX_TENANTS tenants with the most open items get
 * series; a tenant with no open item has none.
 */
@Injectable()
export class InboxGauges {
  private readonly logger = new Logger(InboxGauges.name);
  private readonly open: Gauge<'tenant'>;
  private readonly overdue: Gauge<'tenant'>;
  /** The read in progress: the registry collects both gauges at once, and they share one query. */
  private reading: Promise<void> | undefined;

  constructor(
    metrics: MetricsService,
    private readonly prisma: PrismaService,
    private readonly counts: InboxCountsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const collect = () => this.refresh();
    const registers = [metrics.registry];
    this.open = new Gauge({
      name: 'dg_inbox_open_items',
      help: 'Open workflow items per tenant',
      labelNames: ['tenant'],
      collect,
      registers,
    });
    this.overdue = new Gauge({
      name: 'dg_inbox_overdue_items',
      help: 'Open workflow items past their SLA per tenant',
      labelNames: ['tenant'],
      collect,
      registers,
    });
  }

  private refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    const limit = this.config.observability.inboxMetricsTenants;
    try {
      const tenants = limit ? await this.counts.busiestTenants(this.prisma, this.clock.now(), limit) : [];
      this.open.reset();
      this.overdue.reset();
      for (const t of tenants) {
        this.open.set({ tenant: t.tenantId }, t.open);
        this.overdue.set({ tenant: t.tenantId }, t.overdue);
      }
    } catch (e) {
      // A scrape still answers (with no inbox series) when the database does not.
      this.open.reset();
      this.overdue.reset();
      this.logger.warn(`inbox gauges not read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
