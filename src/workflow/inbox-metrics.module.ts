import { Module } from '@nestjs/common';
import { InboxCountsRepository } from './inbox-counts.repository';
import { InboxGauges } from './inbox-gauges';

/**
 * The inbox gauges (dg_inbox_open_items, dg_inbox_overdue_items): workflow's own query, registered
 * on observability's MetricsService, so that the import points from workflow to observability and
 * never back (.dependency-cruiser.cjs, observability-not-to-features).
 */
@Module({ providers: [InboxCountsRepository, InboxGauges] })
export class InboxMetricsModule {}
