import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DEV_TOKENS } from './test-app';

/** Rate limits high enough that a test's own traffic never trips them. */
export const GENEROUS_LIMITS = {
  DG_RATE_LIMIT_READ_PER_MINUTE: '1000000',
  DG_RATE_LIMIT_WRITE_PER_MINUTE: '1000000',
  DG_RATE_LIMIT_ADMIN_PER_MINUTE: '1000000',
};

/** supertest bound to one tenant and token. */
export function apiAs(app: NestExpressApplication, tenant: string, token: string = DEV_TOKENS.writer) {
  const server = app.getHttpServer();
  const headers = { 'x-tenant-id': tenant, authorization: `Bearer ${token}` };
  return {
    token,
    /** The same tenant as another principal. */
    as: (other: string) => apiAs(app, tenant, other),
    get: (path: string) => request(server).get(path).set(headers),
    post: (path: string, body?: unknown) =>
      request(server)
        .post(path)
        .set(headers)
        .send(body as object),
    patch: (path: string, body?: unknown) =>
      request(server)
        .patch(path)
        .set(headers)
        .send(body as object),
    put: (path: string, body?: unknown) =>
      request(server)
        .put(path)
        .set(headers)
        .send(body as object),
    delete: (path: string) => request(server).delete(path).set(headers),
    postRaw: (path: string, text: string) =>
      request(server)
        .post(path)
        .set({ ...headers, 'content-type': 'application/json' })
        .send(text),
  };
}
