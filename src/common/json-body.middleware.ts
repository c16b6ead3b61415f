import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { DomainError } from './error-codes';
import type { RequestWithContext } from './request-id';

type BodyParserError = Error & { type?: string; status?: number; limit?: number; body?: string };

/** The methods whose bodies the API reads; a body sent with any other (a GET, a probe) is ignored. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * JSON body parsing with the body limit. A body that cannot be read (413 for too large, 400 for
 * anything malformed) is not answered here but left on the request for BodyErrorInterceptor,
 * after the guards, instead of reaching Express' HTML handler. Every body is read as JSON whatever
 * its content type: the API speaks nothing else, and a client that leaves the type out (fetch
 * sends a string body as text/plain) gets its JSON read rather than an empty body. The raw bytes
 * are kept: the event validator detects floats from the request text (SPEC §5.1).
 */
export function jsonBodyMiddleware(limitBytes: number): RequestHandler {
  const parse = express.json({
    limit: limitBytes,
    type: () => true,
    verify: (req, _res, buf) => {
      (req as unknown as RequestWithContext).rawBody = buf;
    },
  });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!BODY_METHODS.has(req.method)) return next();
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      // The connection closed mid-body (client gone, or shutdown's grace over): nobody to answer.
      if ((err as BodyParserError).type === 'request.aborted' || res.destroyed) return;
      (req as RequestWithContext).bodyError = bodyError(err as BodyParserError, limitBytes);
      next();
    });
  };
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
