import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createPublicKey } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { signDigest } from './export-signature';
import type { ExportSigner } from './workflow-export';

/** Signs export digests with the configured Ed25519 key (SPEC §9). */
@Injectable()
export class ExportSignerService implements ExportSigner, OnModuleInit {
  private readonly logger = new Logger(ExportSignerService.name);
  readonly keyId: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.keyId = config.exportSigning.keyId;
  }

  onModuleInit(): void {
    // Tests use throwaway keys on purpose; development is told loudly.
    if (!this.config.exportSigning.ephemeral || this.config.nodeEnv !== 'development') return;
    const publicKey = createPublicKey(this.config.exportSigning.privateKey).export({ type: 'spki', format: 'pem' });
    this.logger.warn(
      `No DG_EXPORT_SIGNING_KEY configured: audit exports are signed with a throwaway key (${this.keyId}) that ends with this process. ` +
        `Its public key, for verify-export:\n${publicKey.toString().trim()}`,
    );
  }

  sign(digest: string): string {
    return signDigest(digest, this.config.exportSigning.privateKey);
  }
}
