import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PrismaService } from '../database/prisma.service';
import { ChangeStreamRepository } from './change-stream.repository';

const PRUNE_BATCH = 5_000;

/** Keeps the change stream to DG_STREAM_RETENTION_MINUTES (SPEC §17: resumes reach back at least an hour). */
@Injectable()
export class ChangeStreamRetentionService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly repository: ChangeStreamRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Deletes the entries older than the retention at `now`, a batch at a time; returns how many. */
  async prune(now: Date): Promise<number> {
    const before = new Date(now.getTime() - this.config.agents.streamRetentionMinutes * 60_000);
    let total = 0;
    for (;;) {
      const deleted = await this.repository.pruneOldest(this.prisma, before, PRUNE_BATCH);
      total += deleted;
      if (deleted < PRUNE_BATCH) return total;
    }
  }
}
