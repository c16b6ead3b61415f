import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import express from 'express';
import { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DomainError } from './error-codes';
import type { RequestWithContext } from './request-id';

type BodyParserError = Error & { type?: string; status?: number; limit?: number; body?: string };

/** The methods whose bodies the API reads; a body sent with any other (a GET, a probe) is ignored. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * JSON body parsing with the body limit, as an interceptor: it runs after the guards, so a body is
 * read only once the tenant header, credentials, role, permission and rate limit have passed
 * (SPEC §15), and a path that no route serves never has its body read. A body that cannot be read
 * is 413 (too large) or 400 (anything malformed). Every body is read as JSON whatever its content
 * type: the API speaks nothing else, and a client that leaves the type out (fetch sends a string
 * body as text/plain) gets its JSON read rather than an empty body. The raw bytes are kept: the
 * event validator detects floats from the request text (SPEC §5.1).
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly parse: RequestHandler;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.parse = express.json({
      limit: config.bodyLimitBytes,
      type: () => true,
      verify: (req, _res, buf) => {
        (req as unknown as RequestWithContext).rawBody = buf;
      },
    });
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    if (BODY_METHODS.has(req.method)) await this.read(req, context.switchToHttp().getResponse<Response>());
    return next.handle();
  }

  private read(req: Request, res: Response): Promise<void> {
    return new Promise((resolve, reject) =>
      this.parse(req, res, (err?: unknown) =>
        err ? reject(bodyError(err as BodyParserError, this.config.bodyLimitBytes)) : resolve(),
      ),
    );
  }
}

function bodyError(err: BodyParserError, limitBytes: number): DomainError {
  if (err.type === 'entity.too.large' || err.status === 413) {
    return new DomainError('payload_too_large', `Request body exceeds the limit of ${limitBytes} bytes`, {
      limit_bytes: limitBytes,
    });
  }
  if (err.type === 'entity.parse.failed') {
    return new DomainError(
      'invalid_argument',
      isJson(err.body) ? 'Request body must be a JSON object' : 'Request body is not valid JSON',
    );
  }
  return new DomainError('invalid_argument', `Request body could not be read: ${err.message}`);
}

/** body-parser's strict mode refuses valid JSON that is not an object or array, as a parse failure. */
function isJson(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
