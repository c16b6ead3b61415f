import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../common/error-codes';
import { PUBLIC_ROUTE } from './access.decorator';

const MAX_TENANT_ID_LENGTH = 128;

/** First guard (SPEC §4): every non-public route needs `x-tenant-id`. */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]))
      return true;
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers['x-tenant-id'];
    if (header === undefined || (typeof header === 'string' && header.trim() === '')) {
      throw new DomainError('invalid_argument', 'x-tenant-id header is required');
    }
    // Node joins repeated headers with ", " into one string; headersDistinct keeps them apart.
    const repeated = (req.headersDistinct['x-tenant-id']?.length ?? 0) > 1;
    if (
      typeof header !== 'string' ||
      repeated ||
      header.length > MAX_TENANT_ID_LENGTH ||
      // eslint-disable-next-line no-control-regex -- control characters are what it refuses
      /[\u0000-\u001f\u007f]/.test(header)
    ) {
      throw new DomainError(
        'invalid_argument',
        `x-tenant-id must be a single value of at most ${MAX_TENANT_ID_LENGTH} printable characters`,
      );
    }
    return true;
  }
}

export function tenantIdOf(req: Request): string {
  return String(req.headers['x-tenant-id']).trim();
}
