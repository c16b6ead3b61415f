import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { finalize, Observable } from 'rxjs';
import { GracefulShutdownService } from './graceful-shutdown.service';

/** Lets the shutdown wait for route handlers, which can outlive their response when the client goes away. */
@Injectable()
export class InFlightInterceptor implements NestInterceptor {
  constructor(private readonly shutdown: GracefulShutdownService) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ended = this.shutdown.handlerStarted();
    return next.handle().pipe(finalize(ended));
  }
}
