import { applyDecorators, HttpStatus, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** Documents a success response as SPEC §3's envelope `{data: <model>, request_id}`. */
export function ApiEnvelope(model: Type, status: HttpStatus = HttpStatus.OK, description = '') {
  return applyDecorators(
    ApiExtraModels(model),
    ApiResponse({
      status,
      description,
      schema: {
        type: 'object',
        required: ['data', 'request_id'],
        properties: { data: { $ref: getSchemaPath(model) }, request_id: { type: 'string' } },
      },
    }),
  );
}
