import type { Response } from 'express';
import { DomainError, ERROR_STATUS } from './error-codes';

/** Writes SPEC §3's error body. Used by the exception filter and by middleware that runs before Nest. */
export function writeErrorEnvelope(res: Response, requestId: string, error: DomainError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(ERROR_STATUS[error.code]).json({
    error: { code: error.code, message: error.message, details: error.details },
    request_id: requestId,
  });
}
