import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PrismaService } from '../database/prisma.service';
import { MetricsService } from '../observability/metrics.service';
import { SlaDueRepository } from './sla-due.repository';
import { SlaEscalationService } from './sla-escalation.service';

export type SweepResult = { tenants: number; items: number };

/** How many due items one tenant's transaction takes at most; the rest wait for the next pass. */
const ITEMS_PER_TENANT_PASS = 200;

/**
 * The SLA sweep (SPEC §7): reads the due items and hands them to the escalation, one
 * transaction per tenant holding that tenant's sweep lock, so replicas never double-process.
 */
@Injectable()
export class SlaSweepService {
  private readonly logger = new Logger(SlaSweepService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly due: SlaDueRepository,
    private readonly sla: SlaEscalationService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async sweep(now: Date): Promise<SweepResult> {
    const result = await this.metrics.time(this.metrics.slaSweepDuration, {}, () => this.sweepTenants(now));
    this.metrics.slaSweepItems.inc(result.items);
    return result;
  }

  private async sweepTenants(now: Date): Promise<SweepResult> {
    const windowEnd = new Date(now.getTime() + this.config.workflow.deadlineRiskWarningMinutes * 60_000);
    const tenants = await this.due.tenantsWithDueItems(this.prisma, now, windowEnd);
    let items = 0;
    let failed: unknown;
    for (const tenantId of tenants) {
      try {
        items += await this.prisma.$transaction(
          async (tx) => {
            if (!(await this.due.tryLockTenantSweep(tx, tenantId))) return 0;
            // Re-read under the lock: another replica may have just handled some of them.
            const mine = await this.due.findDueForSweep(tx, tenantId, now, windowEnd, ITEMS_PER_TENANT_PASS);
            if (mine.length) await this.sla.applyLocked(tx, tenantId, mine, now);
            return mine.length;
          },
          { maxWait: 10_000, timeout: 60_000 },
        );
      } catch (e) {
        // One tenant's failure (its retries spent, a timeout) does not hold the others up.
        failed ??= e;
        this.logger.warn(`SLA sweep of tenant ${tenantId} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (items) this.logger.log(`SLA sweep handled ${items} item(s) in ${tenants.length} tenant(s)`);
    if (failed !== undefined) throw failed instanceof Error ? failed : new Error(String(failed));
    return { tenants: tenants.length, items };
  }
}
