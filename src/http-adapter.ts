import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';

/**
 * Nest's Express adapter, with the HTTP server creating each request and response with Express's
 * prototypes (`app.request`, `app.response`) from the start.
 *
 * Express 5 gives every request and response its own prototypes with `Object.setPrototypeOf` as
 * it dispatches them (express/lib/application.js, `app.handle`). On V8 (Node 20) that kept the
 * objects of the requests since the last young-generation collection alive through it: about half
 * of what a request allocates survived it, was copied and then promoted to the old generation.
 * With a bare Express app and `GET /healthz` at concurrency 1, each scavenge kept 3.0–5.1 MB and
 * paused 3.4–8 ms, against under 1 KB and 0.5 ms when the objects already have those prototypes
 * (`setPrototypeOf` to the current prototype does nothing); the service's own scavenges paused
 * 4–8 ms, a slow request every few dozen, and the old generation grew between full collections
 * (bench/README.md, "Garbage collection").
 *
 * Node's server takes the classes to construct (`IncomingMessage`, `ServerResponse` options):
 * constructors whose prototype objects are Express's. They still are `http.IncomingMessage` and
 * `http.ServerResponse` (the prototype chains go through them). HTTPS and the options that need
 * Nest's own server set-up are left to Nest.
 */
export class ExpressHttpAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options?.httpsOptions || options?.forceCloseConnections || options?.return503OnClosing) {
      super.initHttpServer(options);
      return;
    }
    const app = this.getInstance<Express>();
    this.setHttpServer(createServer(withExpressPrototypes(app), app));
  }
}

/**
 * Server options whose request and response classes construct objects with the app's prototypes.
 * Node 20's IncomingMessage and ServerResponse are plain constructor functions, so they can run on
 * an object made with another prototype.
 */
function withExpressPrototypes(app: Express) {
  function ExpressRequest(this: IncomingMessage, socket: Socket): void {
    Reflect.apply(IncomingMessage, this, [socket]);
  }
  ExpressRequest.prototype = app.request;
  function ExpressResponse(this: ServerResponse, req: IncomingMessage, options?: object): void {
    Reflect.apply(ServerResponse, this, [req, options]);
  }
  ExpressResponse.prototype = app.response;
  return {
    IncomingMessage: ExpressRequest as unknown as typeof IncomingMessage,
    ServerResponse: ExpressResponse as unknown as typeof ServerResponse,
  };
}
