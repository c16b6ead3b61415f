import { applyDecorators, HttpStatus, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath, HeadersObject } from '@nestjs/swagger';

/** Documents a success response as SPEC §3's envelope `{data: <model>, request_id}`, with its response headers if any. */
export function ApiEnvelope(
  model: Type,
  status: HttpStatus = HttpStatus.OK,
  description = '',
  headers?: HeadersObject,
) {
  return applyDecorators(
    ApiExtraModels(model),
    ApiResponse({
      status,
      description,
      headers,
      schema: {
        type: 'object',
        required: ['data', 'request_id'],
        properties: { data: { $ref: getSchemaPath(model) }, request_id: { type: 'string' } },
      },
    }),
  );
}
