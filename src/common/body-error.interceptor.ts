import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { RequestWithContext } from './request-id';

/**
 * Answers a body that could not be read (too large, not JSON) once the guards have passed:
 * SPEC §4 checks the tenant header first, then the credentials, role and permission, and a
 * request that fails those is refused for that whatever its body.
 */
@Injectable()
export class BodyErrorInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const { bodyError } = context.switchToHttp().getRequest<RequestWithContext>();
    if (bodyError) throw bodyError;
    return next.handle();
  }
}
