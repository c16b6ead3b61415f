import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AccessScope } from './access.decorator';

/**
 * Fixed one-minute windows per account+tenant and scope (SPEC §4); for an account on every tenant
 * (`*`), also one across its tenants, DG_RATE_LIMIT_ALL_TENANTS_MULTIPLIER times as large, so that
 * a new x-tenant-id value is not a new budget. Separate budgets per client address: failed tokens,
 * and requests without credentials (SPEC §15). In memory: the counters are per pod.
 */
@Injectable()
export class RateLimitService {
  private readonly scopes: Record<AccessScope, RateLimiterMemory>;
  private readonly allTenants: Record<AccessScope, RateLimiterMemory>;
  private readonly authFailures: RateLimiterMemory;
  private readonly unauthenticated: RateLimiterMemory;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const limits = config.rateLimits;
    this.scopes = {
      read: new RateLimiterMemory({ keyPrefix: 'read', points: limits.readPerMinute, duration: 60 }),
      write: new RateLimiterMemory({ keyPrefix: 'write', points: limits.writePerMinute, duration: 60 }),
      admin: new RateLimiterMemory({ keyPrefix: 'admin', points: limits.adminPerMinute, duration: 60 }),
    };
    const factor = limits.allTenantsMultiplier;
    this.allTenants = {
      read: new RateLimiterMemory({ keyPrefix: 'all-read', points: limits.readPerMinute * factor, duration: 60 }),
      write: new RateLimiterMemory({ keyPrefix: 'all-write', points: limits.writePerMinute * factor, duration: 60 }),
      admin: new RateLimiterMemory({ keyPrefix: 'all-admin', points: limits.adminPerMinute * factor, duration: 60 }),
    };
    this.unauthenticated = new RateLimiterMemory({
      keyPrefix: 'unauthenticated',
      points: limits.unauthenticatedPerMinute,
      duration: 60,
    });
    this.authFailures = new RateLimiterMemory({
      keyPrefix: 'authfail',
      points: limits.authFailuresPerMinute,
      duration: 60,
    });
  }

  async consume(scope: AccessScope, accountId: string, tenantId: string, allTenants = false): Promise<void> {
    try {
      if (allTenants) await this.allTenants[scope].consume(accountId);
      await this.scopes[scope].consume(JSON.stringify([accountId, tenantId]));
    } catch (e) {
      throw limited(e, `Rate limit exceeded for ${scope} requests`);
    }
  }

  /** Counts a request without credentials against the client address; beyond the budget, 429. */
  async recordUnauthenticated(clientAddress: string): Promise<void> {
    try {
      await this.unauthenticated.consume(clientAddress);
    } catch (e) {
      throw limited(e, 'Too many requests without credentials');
    }
  }

  /** Counts a failed token against the client address; beyond the budget, answers 429 instead. */
  async recordAuthFailure(clientAddress: string): Promise<void> {
    try {
      await this.authFailures.consume(clientAddress);
    } catch (e) {
      throw limited(e, 'Too many failed authentication attempts');
    }
  }
}

function limited(e: unknown, message: string): DomainError {
  if (!(e instanceof RateLimiterRes)) throw e;
  const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
  return new DomainError(
    'rate_limited',
    message,
    { retry_after_seconds: retryAfter },
    { 'retry-after': String(retryAfter) },
  );
}
