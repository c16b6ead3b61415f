import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Public } from './access.decorator';

export class OidcSignInDto {
  @ApiProperty({ description: 'DG_OIDC_ISSUER; discovery is at <issuer>/.well-known/openid-configuration' })
  issuer!: string;
  @ApiProperty({ nullable: true, type: String, description: 'DG_OIDC_CLIENT_ID, the public client of the console' })
  client_id!: string | null;
  @ApiProperty({ description: 'DG_OIDC_AUDIENCE, the audience access tokens must carry' })
  audience!: string;
}

export class AuthConfigDto {
  @ApiProperty({ nullable: true, type: OidcSignInDto, description: 'null when OIDC sign-in is not configured' })
  oidc!: OidcSignInDto | null;
}

/**
 * What a sign-in page needs before anyone is signed in (SPEC §12, §13). Public and outside
 * /api/v1, which requires x-tenant-id; it holds nothing secret.
 */
@ApiTags('auth')
@Controller('auth-config')
@Public()
export class AuthConfigController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The OpenID provider a sign-in page should use (`oidc: null` when only service-account tokens are accepted). */
  @Get()
  @ApiOperation({ summary: 'Sign-in settings: the OpenID provider and the console client, if configured' })
  @ApiEnvelope(AuthConfigDto)
  authConfig(): AuthConfigDto {
    const oidc = this.config.oidc;
    return { oidc: oidc && { issuer: oidc.issuer, client_id: oidc.clientId, audience: oidc.audience } };
  }
}
