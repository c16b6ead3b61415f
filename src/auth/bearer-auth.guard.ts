import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { DomainError } from '../common/error-codes';
import { PUBLIC_ROUTE } from './access.decorator';
import type { AuthenticatedCaller } from './principal';
import { RateLimitService } from './rate-limit.service';

const BEARER = /^bearer\s+(\S+)\s*$/i;

/** Second guard: a valid bearer token, with failed tokens throttled per client address. */
@Injectable()
export class BearerAuthGuard extends AuthGuard('bearer') {
  constructor(
    private readonly reflector: Reflector,
    private readonly rateLimits: RateLimitService,
  ) {
    super();
  }

  /**
   * Presented bearer tokens that fail count against the client address; once its budget is spent,
   * such attempts get 429 instead of 401. Requests without credentials (no header, another scheme)
   * have a budget of their own per address (SPEC §15). A valid token always passes (tokens are
   * 256-bit random: the throttle cuts the cost of floods, it does not lock an address's good
   * clients out).
   */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]))
      return true;
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers.authorization;
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    if (!header) {
      await this.rateLimits.recordUnauthenticated(address);
      throw new DomainError('unauthorized', 'Authentication required');
    }
    const token = BEARER.exec(header)?.[1];
    if (!token) {
      await this.rateLimits.recordUnauthenticated(address);
      throw new DomainError('unauthorized', 'Authorization must use the Bearer scheme');
    }
    // RFC 9110 allows several spaces after the scheme; passport-http-bearer splits on exactly one.
    req.headers.authorization = `Bearer ${token}`;
    try {
      return (await super.canActivate(context)) as boolean;
    } catch (e) {
      if (e instanceof DomainError && e.code === 'unauthorized') await this.rateLimits.recordAuthFailure(address);
      throw e;
    }
  }

  handleRequest<T = AuthenticatedCaller>(err: unknown, account: T | false): T {
    // Passport hands back whatever the strategy failed with; it is passed on as it is.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (err) throw err;
    if (!account) throw new DomainError('unauthorized', 'Invalid, revoked or expired token');
    return account;
  }
}
