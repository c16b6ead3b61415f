import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { Access, CurrentPrincipal } from './access.decorator';
import { Principal } from './principal';

export class PersonDto {
  @ApiProperty({ description: 'The subject (`sub`) the OpenID provider gives this person' }) sub!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
}

export class WhoamiDto {
  @ApiProperty({ description: '`oidc:<sub>` for a person' }) account_id!: string;
  @ApiProperty({ enum: ['service_account', 'person'] }) principal_type!: 'service_account' | 'person';
  @ApiProperty({ nullable: true, type: PersonDto, description: 'null for a service account' })
  person!: PersonDto | null;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ type: [String] }) permissions!: string[];
  @ApiProperty() tenant_id!: string;
}

@ApiTags('auth')
@Controller('v1/whoami')
export class WhoamiController {
  /** The calling service account or person as the guards resolved it for this tenant. */
  @Get()
  @ApiOperation({ summary: 'The calling service account, its roles and permissions on this tenant' })
  @Access('read')
  @ApiEnvelope(WhoamiDto)
  whoami(@CurrentPrincipal() principal: Principal): WhoamiDto {
    const person = principal.person ?? null;
    return {
      account_id: principal.accountId,
      principal_type: principal.principalType ?? 'service_account',
      person: person && { sub: person.sub, name: person.name, email: person.email },
      roles: principal.roles,
      permissions: principal.permissions,
      tenant_id: principal.tenantId,
    };
  }
}
