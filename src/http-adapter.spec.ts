import { IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { ExpressHttpAdapter } from './http-adapter';

/** One GET on the server; the body as text. */
function get(server: Server, path: string): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ExpressHttpAdapter', () => {
  let server: Server;
  let app: Express;
  /** The prototypes each request and response had when the server made them, before Express saw them. */
  const seen: { req: object | null; res: object | null }[] = [];

  beforeAll(async () => {
    const adapter = new ExpressHttpAdapter();
    adapter.initHttpServer({});
    app = adapter.getInstance<Express>();
    app.get('/probe', (req, res) => {
      res.json({
        ip: req.ip,
        header: req.get('x-missing') ?? null,
        node: req instanceof IncomingMessage && res instanceof ServerResponse,
      });
    });
    server = adapter.getHttpServer() as Server;
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push({ req: Object.getPrototypeOf(req) as object, res: Object.getPrototypeOf(res) as object });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('makes Node requests and responses with Express’s prototypes, so Express does not reset them', async () => {
    const res = await get(server, '/probe');
    expect(res).toEqual({ status: 200, body: JSON.stringify({ ip: '127.0.0.1', header: null, node: true }) });
    expect(seen).toHaveLength(1);
    expect(seen[0].req).toBe(app.request);
    expect(seen[0].res).toBe(app.response);
  });
});
