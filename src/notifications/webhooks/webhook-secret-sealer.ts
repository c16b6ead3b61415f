import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { PrismaService } from '../../database/prisma.service';
import { WebhookSecretBox } from './webhook-secret-box';

const BATCH = 200;

type StoredSecret = { tenant_id: string; endpoint_id: string; secret: string; previous_secret: string | null };

/**
 * At start, with DG_WEBHOOK_SECRET_KEY set: seals every endpoint secret still in plaintext (written
 * before the key was configured) or under an earlier key (DG_WEBHOOK_SECRET_KEY_PREVIOUS), in
 * batches, each row only if nobody changed it meanwhile. The work is O(rows to seal); reads never
 * wait for it (a plaintext or earlier-key value reads as it is). A failure is logged and the next
 * start tries again.
 */
@Injectable()
export class WebhookSecretSealer implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookSecretSealer.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly secrets: WebhookSecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.secrets.encrypting) {
      if (this.config.nodeEnv === 'development')
        this.logger.warn('DG_WEBHOOK_SECRET_KEY is not set: webhook signing secrets are stored in plaintext');
      return;
    }
    try {
      const sealed = await this.sealAll();
      if (sealed) this.logger.log(`encrypted ${sealed} webhook signing secret(s) with the current key`);
    } catch (e) {
      this.logger.warn(`encrypting stored webhook secrets failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Returns how many rows it sealed. */
  async sealAll(): Promise<number> {
    const prefix = `v1:${this.config.webhookSecrets.current?.id}:%`;
    let after = { tenant: '', endpoint: '' };
    let sealed = 0;
    for (;;) {
      const rows = await this.prisma.$queryRaw<StoredSecret[]>`
        SELECT tenant_id, endpoint_id, secret, previous_secret FROM dg_webhook_endpoints
        WHERE (secret NOT LIKE ${prefix} OR previous_secret NOT LIKE ${prefix})
          AND (tenant_id, endpoint_id) > (${after.tenant}, ${after.endpoint})
        ORDER BY tenant_id, endpoint_id
        LIMIT ${BATCH}`;
      for (const row of rows) {
        const reseal = (stored: string) =>
          this.secrets.needsSealing(stored)
            ? this.secrets.seal(
                row.tenant_id,
                row.endpoint_id,
                this.secrets.open(row.tenant_id, row.endpoint_id, stored),
              )
            : stored;
        const previous = row.previous_secret === null ? null : reseal(row.previous_secret);
        sealed += await this.prisma.$executeRaw`
          UPDATE dg_webhook_endpoints SET secret = ${reseal(row.secret)}, previous_secret = ${previous}
          WHERE tenant_id = ${row.tenant_id} AND endpoint_id = ${row.endpoint_id}
            AND secret = ${row.secret} AND previous_secret IS NOT DISTINCT FROM ${row.previous_secret}`;
      }
      if (rows.length < BATCH) return sealed;
      const last = rows[rows.length - 1];
      after = { tenant: last.tenant_id, endpoint: last.endpoint_id };
    }
  }
}
