import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, ERROR_STATUS } from './error-codes';
import { translateError } from './error-translation';
import { requestIdOf } from './request-id';

/** The one exception filter: every error leaves as SPEC §3's envelope. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const requestId = requestIdOf(req);
    let error = translateError(exception);
    if (!error) {
      this.logger.error(
        `unhandled error on ${req.method} ${req.route?.path ?? req.path} request_id=${requestId}`,
        exception instanceof Error ? exception.stack : String(exception),
      );
      error = new DomainError('internal_error', 'Internal error', { request_id: requestId });
    } else if (error.code === 'storage') {
      this.logger.warn(`database unavailable on ${req.method} ${req.path} request_id=${requestId}`);
    }
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    // A route's own content type (text/plain for /metrics) may be set already; the envelope is JSON.
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.status(ERROR_STATUS[error.code]).json({
      error: { code: error.code, message: error.message, details: error.details },
      request_id: requestId,
    });
  }
}
