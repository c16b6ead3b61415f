import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessGuard } from './access.guard';
import { AuthConfigController } from './auth-config.controller';
import { BearerAuthGuard } from './bearer-auth.guard';
import { BearerStrategy } from './bearer.strategy';
import { OidcVerifierService } from './oidc-verifier.service';
import { RateLimitService } from './rate-limit.service';
import { ServiceAccountRegistryService } from './service-account-registry.service';
import { TenantGuard } from './tenant.guard';
import { WhoamiController } from './whoami.controller';

/** Global guards in SPEC §4's order: tenant header, bearer token, then membership/role/permission/rate. */
@Module({
  imports: [PassportModule],
  controllers: [WhoamiController, AuthConfigController],
  providers: [
    ServiceAccountRegistryService,
    OidcVerifierService,
    RateLimitService,
    BearerStrategy,
    { provide: APP_GUARD, useClass: TenantGuard },
    { provide: APP_GUARD, useClass: BearerAuthGuard },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
})
export class AuthModule {}
