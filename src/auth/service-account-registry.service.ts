import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ServiceAccount } from '../config/service-accounts.config';
import { hashesEqual, hashToken } from './token-hash';

/** The configured service accounts; looks tokens up by hash in constant time. */
@Injectable()
export class ServiceAccountRegistryService implements OnModuleInit {
  private readonly logger = new Logger(ServiceAccountRegistryService.name);
  private readonly accounts: ServiceAccount[];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.accounts = config.auth.accounts;
  }

  onModuleInit(): void {
    if (this.config.auth.developmentDefaults) {
      this.logger.warn(
        '!!! No service accounts configured: using the DEVELOPMENT accounts dev-reader, dev-writer and dev-admin ' +
          'on every tenant. Set DG_SERVICE_ACCOUNTS or DG_SERVICE_ACCOUNTS_FILE before exposing this service. !!!',
      );
    }
  }

  /** The account owning this token, if the token is known and not expired. */
  authenticate(token: string, now: Date): ServiceAccount | undefined {
    const presented = hashToken(token);
    let match: ServiceAccount | undefined;
    // Compare against every configured hash without stopping early, so timing says nothing.
    for (const account of this.accounts) {
      for (const candidate of account.tokens) {
        const equal = hashesEqual(presented, candidate.hash);
        const live = candidate.expiresAt === null || candidate.expiresAt.getTime() > now.getTime();
        if (equal && live) match = account;
      }
    }
    return match;
  }
}
