import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { anEvent } from '../factories/events';
import { GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

const LIMIT = 2048;

/** A TraceStarted whose JSON is exactly `bytes` long. */
function eventOfSize(bytes: number): string {
  const event = anEvent('TraceStarted', {
    trace_id: 'sized',
    payload: { workflow: 'w', title: '', primary_entity: { entity_type: 'e', entity_id: '1' } },
  });
  const base = JSON.stringify(event).length;
  event.payload = { ...(event.payload as object), title: 't'.repeat(bytes - base) };
  return JSON.stringify(event);
}

describe('request bodies: limit, parse errors and their place after the guards (SPEC §3, §4)', () => {
  const post = (headers: Record<string, string>, body: string) =>
    request(app.getHttpServer())
      .post('/api/v1/events')
      .set({ 'content-type': 'application/json', ...headers })
      .send(body);
  const as = (token: string) => ({ 'x-tenant-id': uniqueTenant(), authorization: `Bearer ${token}` });

  const app = useTestApp({ env: { ...GENEROUS_LIMITS, DG_BODY_LIMIT_BYTES: String(LIMIT) } });

  it('accepts a body of exactly the limit and answers one byte more with 413 payload_too_large', async () => {
    expect(Buffer.byteLength(eventOfSize(LIMIT))).toBe(LIMIT);
    await post(as(DEV_TOKENS.writer), eventOfSize(LIMIT)).expect(201);
    const res = await post(as(DEV_TOKENS.writer), eventOfSize(LIMIT + 1)).expect(413);
    expect(res.body).toEqual({
      error: {
        code: 'payload_too_large',
        message: `Request body exceeds the limit of ${LIMIT} bytes`,
        details: { limit_bytes: LIMIT },
      },
      request_id: expect.any(String),
    });
  });

  it('checks the tenant header, the credentials and the role before the body', async () => {
    const tooLarge = eventOfSize(LIMIT + 1);
    const noTenant = await post({ authorization: `Bearer ${DEV_TOKENS.writer}` }, tooLarge).expect(400);
    expect(noTenant.body.error.message).toBe('x-tenant-id header is required');
    const noToken = await post({ 'x-tenant-id': uniqueTenant() }, '{"event_id":').expect(401);
    expect(noToken.body.error.message).toBe('Authentication required');
    const reader = await post(as(DEV_TOKENS.reader), tooLarge).expect(403);
    expect(reader.body.error.code).toBe('forbidden');
  });

  it.each([
    ['without credentials', { 'x-tenant-id': 'acme' }, 401],
    ['with an unknown token', { 'x-tenant-id': 'acme', authorization: 'Bearer nobody' }, 401],
    ['without a tenant', { authorization: `Bearer ${DEV_TOKENS.writer}` }, 400],
    ['to a path no route serves', { 'x-tenant-id': 'acme', authorization: `Bearer ${DEV_TOKENS.writer}` }, 404],
  ])('answers a request %s without reading its body (SPEC §15)', async (_label, headers, status) => {
    // A body announced as 1 MB of which only a few bytes ever arrive: a server that reads bodies
    // before authentication waits for the rest and never answers.
    const server = app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const path = status === 404 ? '/api/v1/no-such-route' : '/api/v1/events';
      const answered = await new Promise<number>((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': String(LIMIT - 1) },
        });
        req.on('response', (res) => {
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', reject);
        // A server waiting for the rest of the body would never answer: fail instead of hanging.
        req.setTimeout(10_000, () => {
          reject(new Error('no answer before the body was complete'));
          req.destroy();
        });
        req.write('{"event_id":');
      });
      expect(answered).toBe(status);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('ignores a body sent with a GET, probes included', async () => {
    const server = app.getHttpServer();
    await request(server).get('/api/healthz').set('content-type', 'text/plain').send('not json').expect(200);
    await request(server)
      .get('/metrics')
      .set('content-type', 'application/json')
      .send('x'.repeat(LIMIT + 1))
      .expect(200);
    await request(server)
      .get('/api/v1/workflows')
      .set(as(DEV_TOKENS.reader))
      .set('content-type', 'application/json')
      .send('{')
      .expect(200);
  });

  it('answers JSON that does not parse with 400 invalid_argument', async () => {
    const res = await post(as(DEV_TOKENS.writer), '{"event_id": nope}').expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_argument', message: 'Request body is not valid JSON' });
  });
});
