import { applyDecorators, createParamDecorator, ExecutionContext, HttpStatus, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, DECORATORS } from '@nestjs/swagger';
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

/**
 * A route anyone may call (probes, metrics, docs). Every other route needs @Access. On a method or
 * a controller; it also writes `security: []` on the OpenAPI operations, which says "no
 * authentication" where no entry would mean "whatever the document's default is".
 */
export const Public = () => applyDecorators(SetMetadata(PUBLIC_ROUTE, true), ApiNoSecurity());

/**
 * `security: []` on an operation. @nestjs/swagger drops an empty @ApiSecurity list, so the entry
 * goes into the operation's own metadata (what @ApiOperation writes), merged with its summary
 * whichever decorator runs first; on a controller, into each of its route methods.
 */
function ApiNoSecurity(): ClassDecorator & MethodDecorator {
  const mark = (method: object) =>
    Reflect.defineMetadata(
      DECORATORS.API_OPERATION,
      { ...Reflect.getMetadata(DECORATORS.API_OPERATION, method), security: [] },
      method,
    );
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      mark(descriptor.value as object);
      return;
    }
    const prototype = (target as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = prototype[name];
      if (name !== 'constructor' && typeof method === 'function') mark(method);
    }
  };
}

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
