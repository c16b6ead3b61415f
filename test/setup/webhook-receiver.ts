import { once } from 'node:events';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { anEvent, EventBody } from '../factories/events';
import { apiAs, GENEROUS_LIMITS } from './api-client';
import { freePort } from './service-process';
import { DEV_TOKENS } from './test-app';

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

/** Delivery on, to 127.0.0.1, polled often, with retries a few hundred ms apart at most. */
export const FAST_DELIVERY = {
  ...GENEROUS_LIMITS,
  DG_WEBHOOK_DELIVERY_ENABLED: 'true',
  DG_WEBHOOK_ALLOW_PRIVATE: 'true',
  DG_WEBHOOK_POLL_INTERVAL_MS: '50',
  DG_WEBHOOK_RETRY_BASE_MS: '20',
  DG_WEBHOOK_RETRY_MAX_MS: '200',
  DG_WEBHOOK_TIMEOUT_MS: '5000',
};

/** A trace with `count` exception requests: one `assignment` notification each, in one batch. */
export async function exceptionRequests(api: ReturnType<typeof apiAs>, traceId: string, count: number): Promise<void> {
  const events: EventBody[] = [anEvent('TraceStarted', { trace_id: traceId })];
  for (let i = 0; i < count; i++) {
    const e = anEvent('ExceptionRequested', { trace_id: traceId, trace_seq: i + 1 });
    events.push({ ...e, payload: { ...(e.payload as object), exception_id: `ex-${i}` } });
  }
  // Asked by the writer, so that the admin may decide them (SPEC §11.3).
  await api.as(DEV_TOKENS.writer).post('/api/v1/events/batch', { events }).expect(201);
}
