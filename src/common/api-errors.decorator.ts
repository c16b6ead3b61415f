import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode } from './error-codes';

export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_STATUS) }) code!: ErrorCode;
  @ApiProperty() message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

/** SPEC §3's error body. */
export class ErrorEnvelopeDto {
  @ApiProperty({ type: ErrorBodyDto }) error!: ErrorBodyDto;
  @ApiProperty() request_id!: string;
}

const CODES_BY_STATUS = new Map<number, string[]>();
for (const [code, status] of Object.entries(ERROR_STATUS))
  CODES_BY_STATUS.set(status, [...(CODES_BY_STATUS.get(status) ?? []), code]);

/** Documents error responses of a route as the error envelope, each with the codes it can carry. */
export function ApiErrors(...statuses: HttpStatus[]) {
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: `error envelope; code ${(CODES_BY_STATUS.get(status) ?? []).join(' | ')}`,
        schema: { $ref: getSchemaPath(ErrorEnvelopeDto) },
        ...(status === HttpStatus.TOO_MANY_REQUESTS
          ? { headers: { 'retry-after': { description: 'seconds to wait', schema: { type: 'string' } } } }
          : {}),
      }),
    ),
  );
}
