import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import type { PrismaService } from '../database/prisma.service';
import { MetricsService } from '../observability/metrics.service';
import type { InboxCountsRepository, TenantInboxCounts } from './inbox-counts.repository';
import { InboxGauges } from './inbox-gauges';

/** The gauges over a repository that counts its reads. */
function gaugesReading(rows: TenantInboxCounts[], cacheSeconds: number) {
  const reads = { count: 0 };
  const counts = {
    busiestTenants: async () => {
      reads.count += 1;
      return rows;
    },
  } as unknown as InboxCountsRepository;
  const config = {
    observability: { inboxMetricsTenants: 100, inboxMetricsCacheMs: cacheSeconds * 1000 },
  } as AppConfig;
  const metrics = new MetricsService();
  new InboxGauges(metrics, {} as PrismaService, counts, new Clock(), config);
  const registryFor = (showTenants: boolean) => (showTenants ? metrics.byTenant : metrics.totals);
  return { gauges: { registryFor }, reads };
}

const ROWS = [
  { tenantId: 'acme', open: 3, overdue: 1 },
  { tenantId: 'globex', open: 2, overdue: 0 },
];

describe(InboxGauges.name, () => {
  // The registries are MetricsService's: the health controller shows one or the other.
  it('names tenants only in the registry for scrapes that presented the metrics token', async () => {
    const { gauges } = gaugesReading(ROWS, 15);
    const shown = await gauges.registryFor(true).metrics();
    expect(shown).toContain('dg_inbox_open_items{tenant="acme"} 3');
    expect(shown).toContain('dg_inbox_overdue_items{tenant="acme"} 1');
    const hidden = await gauges.registryFor(false).metrics();
    expect(hidden).not.toContain('acme');
    expect(hidden).toContain('dg_inbox_open_items 5');
    expect(hidden).toContain('dg_inbox_overdue_items 1');
  });

  it('reads the database once for every scrape inside the cache time, both registries included', async () => {
    const { gauges, reads } = gaugesReading(ROWS, 15);
    await Promise.all([gauges.registryFor(true).metrics(), gauges.registryFor(false).metrics()]);
    for (let i = 0; i < 5; i++) await gauges.registryFor(i % 2 === 0).metrics();
    expect(reads.count).toBe(1);
  });

  it('with no cache, shares one read among concurrent scrapes and reads again for the next', async () => {
    const { gauges, reads } = gaugesReading(ROWS, 0);
    await Promise.all([gauges.registryFor(true).metrics(), gauges.registryFor(true).metrics()]);
    expect(reads.count).toBe(1);
    await gauges.registryFor(true).metrics();
    expect(reads.count).toBe(2);
  });
});
