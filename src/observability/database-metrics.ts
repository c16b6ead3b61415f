import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { PrismaService } from '../database/prisma.service';
import { MetricsService } from './metrics.service';

/** `dg_database_retries_total`: transactions run again after a deadlock or serialization failure (SPEC §15). */
@Injectable()
export class DatabaseMetrics {
  constructor(metrics: MetricsService, prisma: PrismaService) {
    new Counter({
      name: 'dg_database_retries_total',
      help: 'Transactions run again after a deadlock or a serialization failure',
      registers: [metrics.registry],
      collect() {
        this.reset();
        this.inc(prisma.retries);
      },
    });
  }
}
