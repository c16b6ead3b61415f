import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { Access, CurrentPrincipal } from './access.decorator';
import { Principal } from './principal';

export class WhoamiDto {
  @ApiProperty() account_id!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ type: [String] }) permissions!: string[];
  @ApiProperty() tenant_id!: string;
}

@ApiTags('auth')
@Controller('v1/whoami')
export class WhoamiController {
  /** The calling service account as the guards resolved it for this tenant. */
  @Get()
  @ApiOperation({ summary: 'The calling service account, its roles and permissions on this tenant' })
  @Access('read')
  @ApiEnvelope(WhoamiDto)
  whoami(@CurrentPrincipal() principal: Principal): WhoamiDto {
    return {
      account_id: principal.accountId,
      roles: principal.roles,
      permissions: principal.permissions,
      tenant_id: principal.tenantId,
    };
  }
}
