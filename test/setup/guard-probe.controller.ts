import { Body, Controller, Get, Post } from '@nestjs/common';
import { Access, CurrentPrincipal } from '../../src/auth/access.decorator';
import { Principal } from '../../src/auth/principal';

/** Routes with each access rule, so the guard chain can be walked before the features exist. */
@Controller('v1/probe')
export class GuardProbeController {
  @Get('read')
  @Access('read')
  read(@CurrentPrincipal() p: Principal) {
    return { account_id: p.accountId };
  }

  @Post('write')
  @Access('write')
  write(@CurrentPrincipal() p: Principal, @Body() body: unknown) {
    return { account_id: p.accountId, body };
  }

  @Post('review')
  @Access('write', 'workflow_review')
  review(@CurrentPrincipal() p: Principal) {
    return { account_id: p.accountId };
  }

  @Get('admin')
  @Access('admin')
  admin(@CurrentPrincipal() p: Principal) {
    return { account_id: p.accountId };
  }

  @Get('undeclared')
  undeclared() {
    return { leaked: true };
  }
}
