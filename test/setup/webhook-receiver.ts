import { once } from 'node:events';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { freePort } from './service-process';

export type ReceivedWebhook = { path: string; headers: IncomingHttpHeaders; body: string; status: number };

/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests. `respond` picks each response's status
 * (200 unless told otherwise); every request is kept with the status it was answered with.
 * It can be stopped and started again on the same port (a receiver that is down, then up).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  respond: (request: ReceivedWebhook, index: number) => number = () => 200;
  private server: Server | undefined;

  private constructor(readonly port: number) {}

  /** A receiver with a port reserved for it; `listening: false` leaves it down. */
  static async create(options: { listening?: boolean } = {}): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(await freePort());
    if (options.listening !== false) await receiver.start();
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request: ReceivedWebhook = {
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          status: 0,
        };
        request.status = this.respond(request, this.received.length);
        this.received.push(request);
        res.writeHead(request.status, { 'content-type': 'text/plain' }).end(`answered ${request.status}`);
      });
    });
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Requests for one path (each endpoint of a test gets its own path). */
  at(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }
}

/** Polls `check` every 50 ms, at most `tries` times; fails naming `what` if it never holds. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  tries = 400,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}
