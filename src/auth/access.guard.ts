import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../common/error-codes';
import { ACCESS_RULE, AccessRule, PUBLIC_ROUTE, RequestWithPrincipal } from './access.decorator';
import { AuthenticatedCaller, hasPermission, Principal } from './principal';
import { RateLimitService } from './rate-limit.service';
import { tenantIdOf } from './tenant.guard';

/**
 * Third guard: tenant membership, role, permission, then the rate limit. A route that declares
 * no access rule is refused (deny by default).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly rateLimits: RateLimitService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, targets);
    if (!rule) throw new DomainError('forbidden', 'This route declares no access rule');
    const req = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const account = req.user as AuthenticatedCaller;
    const tenantId = tenantIdOf(req);
    if (!account.tenantIds.includes('*') && !account.tenantIds.includes(tenantId)) {
      throw new DomainError('forbidden', `Account ${account.accountId} has no access to tenant ${tenantId}`);
    }
    if (!account.roles.some((role) => rule.roles.includes(role))) {
      throw new DomainError('forbidden', `This route requires one of the roles: ${rule.roles.join(', ')}`, {
        required_roles: [...rule.roles],
      });
    }
    if (rule.permission && !hasPermission(account, rule.permission)) {
      throw new DomainError('forbidden', `Missing permission: ${rule.permission}`, { permission: rule.permission });
    }
    await this.rateLimits.consume(rule.scope, account.accountId, tenantId, account.tenantIds.includes('*'));
    const principal: Principal = {
      accountId: account.accountId,
      roles: account.roles,
      permissions: account.permissions,
      tenantId,
      principalType: account.principalType,
      person: account.person,
    };
    req.principal = principal;
    return true;
  }
}
