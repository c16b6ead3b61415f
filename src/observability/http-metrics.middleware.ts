import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';
import { routeTemplateOf } from './route-template';

/** Counts and times every response by method, route template (bounded cardinality) and status. */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const labels = { method: req.method, route: routeTemplateOf(req), status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      stop(labels);
    });
    next();
  };
}
