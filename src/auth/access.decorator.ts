import { applyDecorators, createParamDecorator, ExecutionContext, HttpStatus, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors } from '../common/api-errors.decorator';
import type { Permission, Role } from '../config/service-accounts.config';
import { Principal as PrincipalType } from './principal';

export const PUBLIC_ROUTE = 'dg:public';
export const ACCESS_RULE = 'dg:access';

/** Rate-limit scope and role family of a route (SPEC §4). */
export type AccessScope = 'read' | 'write' | 'admin';

export type AccessRule = { scope: AccessScope; roles: readonly Role[]; permission?: Permission };

export const SCOPE_ROLES: Record<AccessScope, readonly Role[]> = {
  read: ['reader', 'writer', 'admin'],
  write: ['writer', 'admin'],
  admin: ['admin'],
};

/** A route anyone may call (probes, metrics, docs). Every other route needs @Access. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Declares who may call a route: its scope decides the accepted roles and the rate limit;
 * `permission` adds a permission check. It also writes the route's OpenAPI security entry.
 */
export function Access(scope: AccessScope, permission?: Permission) {
  const rule: AccessRule = { scope, roles: SCOPE_ROLES[scope], permission };
  return applyDecorators(
    SetMetadata(ACCESS_RULE, rule),
    ApiBearerAuth(),
    ApiHeader({ name: 'x-tenant-id', required: true, description: 'Tenant the request acts in' }),
    // Every guarded route can answer these (SPEC §3, §4); routes document their own others.
    ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.TOO_MANY_REQUESTS),
  );
}

export type RequestWithPrincipal = Request & { user?: unknown; principal?: PrincipalType };

/** The authenticated caller of the request, set by the guards. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): PrincipalType => {
  const principal = ctx.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without @Access');
  return principal;
});
