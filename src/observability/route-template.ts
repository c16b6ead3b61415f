import type { Request } from 'express';

/**
 * The route template a request matched (`/api/v1/workflows/:workflow_id`), never the raw path, so
 * metric labels and log fields stay bounded; "unmatched" when no route of ours took it (Nest's
 * not-found catch-all, `/api*path`).
 */
export function routeTemplateOf(req: Request): string {
  const path = req.route?.path as string | undefined;
  return path && !path.startsWith('*') ? `${req.baseUrl}${path}` : 'unmatched';
}
