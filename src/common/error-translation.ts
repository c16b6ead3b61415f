import { HttpException, HttpStatus } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { isDatabaseTimeout, isTransactionConflict } from './database-errors';
import { DomainError, ErrorCode } from './error-codes';

const HTTP_CODES: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: 'invalid_argument',
  [HttpStatus.UNAUTHORIZED]: 'unauthorized',
  [HttpStatus.FORBIDDEN]: 'forbidden',
  [HttpStatus.NOT_FOUND]: 'not_found',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'not_found',
  [HttpStatus.CONFLICT]: 'conflict',
  [HttpStatus.PRECONDITION_FAILED]: 'precondition_failed',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'payload_too_large',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'invalid_argument',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'schema_violation',
  [HttpStatus.TOO_MANY_REQUESTS]: 'rate_limited',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'storage',
};

/** Driver-level signs that the database cannot be reached (pg, adapter-pg, Prisma). */
const STORAGE_ERROR =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|Connection terminated|DatabaseNotReachable|too many clients|the database system is (starting up|shutting down)|Can't reach database/i;

/**
 * Maps whatever was thrown to a DomainError, or undefined for a genuinely unexpected error (the
 * filter answers those 500 and logs them). Prisma and HTTP errors are translated here only.
 */
export function translateError(e: unknown): DomainError | undefined {
  if (e instanceof DomainError) return e;
  if (e instanceof HttpException) {
    const status = e.getStatus();
    const code = HTTP_CODES[status] ?? (status >= 500 ? undefined : 'invalid_argument');
    if (!code) return undefined;
    const body = e.getResponse();
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? (body as { message: unknown }).message
        : e.message;
    return new DomainError(code, Array.isArray(message) ? message.join('; ') : String(message));
  }
  if (isUniqueViolation(e)) return new DomainError('conflict', 'A record with the same key already exists');
  // A deadlock or serialization failure that outlived its retries, or one outside a transaction.
  if (isTransactionConflict(e)) return new DomainError('storage', 'The database is busy; retry later');
  if (isDatabaseTimeout(e)) return new DomainError('storage', 'The database did not answer in time; retry later');
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2028') {
    return new DomainError('storage', 'The database is busy; retry later');
  }
  if (e instanceof Prisma.PrismaClientInitializationError || STORAGE_ERROR.test(String((e as Error)?.message ?? ''))) {
    return new DomainError('storage', 'The database is unavailable; retry later');
  }
  return undefined;
}

/** A unique-constraint violation, from the query builder (P2002) or a raw query (P2010). */
export function isUniqueViolation(e: unknown): boolean {
  if (!(e instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (e.code === 'P2002') return true;
  const cause = (e.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined)?.driverAdapterError
    ?.cause;
  return e.code === 'P2010' && cause?.kind === 'UniqueConstraintViolation';
}
