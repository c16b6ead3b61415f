import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { RequestWithContext } from './request-id';

/** The request body exactly as sent (UTF-8 text), for checks JSON.parse would hide. */
export const RawBodyText = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined =>
  ctx.switchToHttp().getRequest<RequestWithContext>().rawBody?.toString('utf8'),
);
