import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { map, Observable } from 'rxjs';
import { requestIdOf } from './request-id';

const RAW_RESPONSE = 'dg:raw-response';

/** Marks a handler whose body is sent as is (health probes, metrics), not in the envelope. */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** Wraps every other success body as `{data, request_id}` (SPEC §3). */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, [context.getHandler(), context.getClass()])) {
      return next.handle();
    }
    const requestId = requestIdOf(context.switchToHttp().getRequest<Request>());
    return next.handle().pipe(map((data: unknown) => ({ data, request_id: requestId })));
  }
}
