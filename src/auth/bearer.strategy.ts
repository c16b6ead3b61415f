import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { Clock } from '../common/clock';
import { ServiceAccount } from '../config/service-accounts.config';
import { OidcVerifierService } from './oidc-verifier.service';
import type { AuthenticatedCaller } from './principal';
import { ServiceAccountRegistryService } from './service-account-registry.service';

/**
 * passport-http-bearer over the configured service accounts, then OIDC access tokens (SPEC §4,
 * §12). A service-account token is looked up first, so those keep working exactly as before.
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(
    private readonly registry: ServiceAccountRegistryService,
    private readonly oidc: OidcVerifierService,
    private readonly clock: Clock,
  ) {
    super();
  }

  async validate(token: string): Promise<AuthenticatedCaller | false> {
    const account = this.registry.authenticate(token, this.clock.now());
    if (account) return serviceAccountCaller(account);
    return (await this.oidc.authenticate(token)) ?? false;
  }
}

function serviceAccountCaller(account: ServiceAccount): AuthenticatedCaller {
  const { accountId, roles, tenantIds, permissions } = account;
  return { accountId, roles, tenantIds, permissions, principalType: 'service_account', person: null };
}
