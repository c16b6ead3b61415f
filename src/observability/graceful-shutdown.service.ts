import type { Server } from 'node:http';
import { INestApplication, Inject, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { requestIdOf } from '../common/request-id';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** The shutdown line lists the in-flight request ids up to this many. */
const LOGGED_REQUEST_IDS = 100;

/**
 * SPEC §10's graceful shutdown, in an order Nest's own `close()` does not give: Nest runs every
 * `onModuleDestroy` before it stops the HTTP server.
 *
 * 1. Stop accepting: the listening socket closes (new connections are refused) and idle
 *    keep-alive connections are closed.
 * 2. Requests in flight finish, answered with `Connection: close`, and so do route handlers
 *    whose client has gone. After DG_SHUTDOWN_GRACE_MS the connections still open are closed.
 * 3. `app.close()`: the schedulers stop and wait for a running SLA sweep and for the webhook
 *    attempts in flight, then the database closes (PrismaService, onApplicationShutdown).
 */
@Injectable()
export class GracefulShutdownService {
  private readonly logger = new Logger('Shutdown');
  /** Requests whose response is not closed yet, with their request ids. */
  private readonly inFlight = new Map<Response, string>();
  /** Route handlers still running (a handler outlives its response when the client goes away). */
  private handlers = 0;
  private readonly onChange = new Set<() => void>();
  private draining: Server | undefined;
  private readonly drainListeners = new Set<() => void>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Express middleware (right after the request id): the request is in flight until its response closes. */
  readonly track = (req: Request, res: Response, next: NextFunction): void => {
    this.inFlight.set(res, requestIdOf(req));
    if (this.draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      this.inFlight.delete(res);
      this.changed();
    });
    next();
  };

  /** Called as a route handler starts (InFlightInterceptor); the function returned, as it ends. */
  handlerStarted(): () => void {
    this.handlers++;
    return () => {
      this.handlers--;
      this.changed();
    };
  }

  /**
   * Calls `listener` when the drain begins: requests that wait by design (decision long polls, event
   * streams) end then, instead of holding the shutdown for its whole grace. Returns the unsubscribe.
   */
  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener);
    return () => this.drainListeners.delete(listener);
  }

  async shutdown(app: INestApplication, signal: string): Promise<void> {
    // Requests whose bytes came in with the signal are read in this turn of the event loop: let
    // them in (closing the server closes the connections it has read nothing from).
    await new Promise((resolve) => setImmediate(resolve));
    const server = app.getHttpServer() as Server;
    this.draining = server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const res of this.inFlight.keys()) if (!res.headersSent) res.setHeader('connection', 'close');
    for (const listener of [...this.drainListeners]) listener();
    const ids = [...this.inFlight.values()];
    this.logger.log(
      { signal, in_flight: ids.length, request_ids: ids.slice(0, LOGGED_REQUEST_IDS) },
      `${signal} received: stopped accepting connections, finishing ${ids.length} request(s) in flight`,
    );
    const graceMs = this.config.observability.shutdownGraceMs;
    let grace: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'over'>((resolve) => (grace = setTimeout(() => resolve('over'), graceMs)));
    const finished = Promise.all([closed, this.until(() => !this.inFlight.size && !this.handlers)]).then(
      () => 'finished' as const,
    );
    if ((await Promise.race([finished, graceOver])) === 'over') {
      this.logger.warn(
        { in_flight: this.inFlight.size },
        `shutdown grace of ${graceMs} ms over: closing ${this.inFlight.size} unfinished request(s)`,
      );
      server.closeAllConnections();
      await Promise.all([closed, this.until(() => !this.inFlight.size)]);
    }
    clearTimeout(grace);
    this.logger.log('HTTP server closed: stopping background work, then closing the database');
    await app.close();
    this.logger.log('shutdown complete');
  }

  private until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.onChange.delete(check);
        resolve();
      };
      this.onChange.add(check);
      check();
    });
  }

  private changed(): void {
    for (const check of [...this.onChange]) check();
    // A keep-alive connection whose response went out before the drain began is idle only now.
    const server = this.draining;
    if (server) setImmediate(() => server.closeIdleConnections());
  }
}
