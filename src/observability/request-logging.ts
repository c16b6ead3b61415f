import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import { DestinationStream, pino } from 'pino';
import { HttpLogger, pinoHttp } from 'pino-http';
import { requestIdOf } from '../common/request-id';
import { ObservabilityConfig } from '../config/observability-config';
import { routeTemplateOf } from './route-template';

/** Where the JSON lines go: stdout, written synchronously so nothing is lost at process.exit. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');
/** The request logger (pino-http); its `logger` is the application's root pino logger. */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

export function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: true });
}

/** Probes and scrapes come every few seconds; their lines would bury the traffic. */
const QUIET_PATHS = new Set(['/api/healthz', '/api/readyz', '/metrics']);

/**
 * Defence in depth: the serializers below already log no headers and no bodies, but an
 * application log that passes such an object gets these fields censored too.
 */
const REDACTED = [
  'authorization',
  'token',
  'body',
  'payload',
  '*.authorization',
  '*.token',
  '*.body',
  '*.payload',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
];

/**
 * One JSON line per request when its response is done: the request id the app assigned (see
 * common/request-id.ts), method, route template, status and duration. Never the URL's query,
 * headers or body. Logs made while handling the request carry its `request_id`.
 */
export function createHttpLogger(config: ObservabilityConfig, destination: DestinationStream): HttpLogger {
  return pinoHttp<IncomingMessage, ServerResponse>(
    {
      level: config.logLevel,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED, censor: '[redacted]' },
      customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
      genReqId: (req) => requestIdOf(req as Request),
      quietReqLogger: true,
      quietResLogger: true,
      autoLogging: { ignore: (req) => QUIET_PATHS.has(pathOf(req)) && req.method === 'GET' },
      customLogLevel: (_req, res) => (res.statusCode >= 500 || !res.writableFinished ? 'warn' : 'info'),
      customSuccessMessage: () => 'request completed',
      // A 5xx is logged here as a request line only; the exception filter logs the error itself, once.
      customErrorMessage: () => 'request completed',
      customSuccessObject: (req, res, value: { duration_ms: number }) => requestLine(req, res, value.duration_ms),
      customErrorObject: (req, res, _error, value: { duration_ms: number }) => requestLine(req, res, value.duration_ms),
    },
    destination,
  );
}

function requestLine(req: IncomingMessage, res: ServerResponse, durationMs: number) {
  return {
    method: req.method,
    route: routeTemplateOf(req as Request),
    status: res.statusCode,
    duration_ms: durationMs,
    // The connection closed before the response was complete: client gone, or shutdown's grace over.
    ...(res.writableFinished ? {} : { aborted: true }),
  };
}

function pathOf(req: IncomingMessage): string {
  const url = (req as Request).originalUrl ?? req.url ?? '';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
