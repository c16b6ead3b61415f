import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { DomainError } from '../common/error-codes';
import { ServiceAccount } from '../config/service-accounts.config';
import { PUBLIC_ROUTE } from './access.decorator';
import { RateLimitService } from './rate-limit.service';

const BEARER = /^bearer\s+(\S+)\s*$/i;

/** Second guard: a valid bearer token, with failed attempts throttled per client address. */
@Injectable()
export class BearerAuthGuard extends AuthGuard('bearer') {
  constructor(
    private readonly reflector: Reflector,
    private readonly rateLimits: RateLimitService,
  ) {
    super();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    await this.rateLimits.assertAuthAllowed(client);
    const header = req.headers.authorization;
    try {
      if (!header) throw new DomainError('unauthorized', 'Authentication required');
      if (!BEARER.test(header)) throw new DomainError('unauthorized', 'Authorization must use the Bearer scheme');
      return (await super.canActivate(context)) as boolean;
    } catch (e) {
      if (e instanceof DomainError && e.code === 'unauthorized') await this.rateLimits.recordAuthFailure(client);
      throw e;
    }
  }

  handleRequest<T = ServiceAccount>(err: unknown, account: T | false): T {
    if (err) throw err;
    if (!account) throw new DomainError('unauthorized', 'Invalid, revoked or expired token');
    return account;
  }
}
