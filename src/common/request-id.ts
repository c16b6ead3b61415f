import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type RequestWithContext = Request & { requestId: string; rawBody?: Buffer };

/** SPEC §3: honour a well-formed x-request-id, otherwise generate one; always echo it. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : `req_${randomUUID()}`;
  (req as RequestWithContext).requestId = requestId;
  res.setHeader('x-request-id', requestId);
  next();
}

export function requestIdOf(req: Request): string {
  return (req as Partial<RequestWithContext>).requestId ?? 'unknown';
}
