import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';
import { ACTOR_TYPES, EVENT_TYPES } from './event-types';

export class EventSourceDto {
  @ApiProperty() producer_id!: string;
  @ApiProperty() system!: string;
  @ApiPropertyOptional() subsystem?: string;
}

export class EventActorDto {
  @ApiProperty() actor_id!: string;
  @ApiProperty({ enum: ACTOR_TYPES }) actor_type!: string;
}

/** The envelope of SPEC §5.1; validated by validateEvent (its statuses differ per field). */
export class EventEnvelopeDto {
  @ApiProperty() event_id!: string;
  @ApiProperty() trace_id!: string;
  @ApiProperty({ minimum: 0 }) trace_seq!: number;
  @ApiProperty({ enum: EVENT_TYPES }) event_type!: string;
  @ApiProperty({ format: 'date-time' }) occurred_at!: string;
  @ApiProperty({ type: EventSourceDto }) source!: EventSourceDto;
  @ApiProperty({ type: EventActorDto }) actor!: EventActorDto;
  @ApiProperty({ maxLength: 200 }) idempotency_key!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Shape per event type (SPEC §5.3); integers only',
  })
  payload!: Record<string, unknown>;
  @ApiPropertyOptional({ nullable: true, type: String }) correlation_id?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) causation_event_id?: string | null;
  @ApiPropertyOptional({ minimum: 1, default: 1 }) schema_version?: number;
  @ApiPropertyOptional({ type: [String], default: [] }) tags?: string[];
}

export class EventBatchDto {
  @ApiProperty({ type: [EventEnvelopeDto], minItems: 1, maxItems: 500 }) events!: EventEnvelopeDto[];
}

export class StoredEventDto extends EventEnvelopeDto {
  @ApiProperty() tenant_id!: string;
  @ApiProperty() log_seq!: number;
  @ApiProperty({ format: 'date-time' }) recorded_at!: string;
  @ApiProperty({ example: 'sha256:…' }) payload_hash!: string;
  @ApiProperty({ nullable: true, type: String }) prev_event_hash!: string | null;
  @ApiProperty({ example: 'sha256:…' }) event_hash!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'account_id of the principal whose request appended the event, set by the server (null on events stored before attribution)',
  })
  recorded_by!: string | null;
  @ApiProperty({
    enum: [1, 2],
    description: 'the event_hash formula: 2 adds recorded_by and hash_version to the hashed object',
  })
  hash_version!: number;
}

export class AppendResultDto {
  @ApiProperty({ type: StoredEventDto }) event!: StoredEventDto;
  @ApiProperty({ description: 'true when an earlier event with the same producer and idempotency key was returned' })
  replayed!: boolean;
}

export class BatchResultDto {
  @ApiProperty({ type: [AppendResultDto] }) events!: AppendResultDto[];
}

const NON_NEGATIVE_INT = /^\d{1,15}$/;

export class EventFeedQueryDto {
  @ApiPropertyOptional({ description: 'exclusive lower bound of log_seq', default: 0 })
  @IsOptional()
  @Matches(NON_NEGATIVE_INT, { message: 'since_log_seq must be a non-negative integer' })
  since_log_seq?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Matches(NON_NEGATIVE_INT, { message: 'limit must be an integer between 1 and 1000' })
  limit?: string;

  @ApiPropertyOptional({ enum: EVENT_TYPES })
  @IsOptional()
  @IsIn(EVENT_TYPES, { message: `event_type must be one of ${EVENT_TYPES.join(', ')}` })
  event_type?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  trace_id?: string;
}

export class EventFeedDto {
  @ApiProperty({ type: [StoredEventDto] }) events!: StoredEventDto[];
  @ApiProperty({ description: 'pass as since_log_seq to read on' }) next_since_log_seq!: number;
}

export class TraceSummaryDto {
  @ApiProperty() trace_id!: string;
  @ApiProperty({ nullable: true, type: String }) workflow!: string | null;
  @ApiProperty({ nullable: true, type: String }) title!: string | null;
  @ApiProperty({ nullable: true, type: String }) primary_entity_type!: string | null;
  @ApiProperty({ nullable: true, type: String }) primary_entity_system!: string | null;
  @ApiProperty({ nullable: true, type: String }) primary_entity_id!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) started_at!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finished_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) outcome!: string | null;
  @ApiProperty() event_count!: number;
  @ApiProperty() last_log_seq!: number;
}

export class TraceQueryDto {
  @ApiPropertyOptional({
    description: 'events per page; a trace of at most this many events comes whole, as before paging',
    minimum: 1,
    maximum: 1000,
    default: 1000,
  })
  @IsOptional()
  @Matches(NON_NEGATIVE_INT, { message: 'limit must be an integer between 1 and 1000' })
  limit?: string;

  @ApiPropertyOptional({ description: 'the next_cursor of the previous page, unchanged' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  cursor?: string;
}

export class TraceDto {
  @ApiProperty({ type: [StoredEventDto], description: "a page of the trace's events by trace_seq" })
  events!: StoredEventDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'pass as `cursor` for the next page of events; null on the last page',
  })
  next_cursor!: string | null;
  @ApiProperty({ type: TraceSummaryDto }) summary!: TraceSummaryDto;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'workflow items of the trace',
  })
  workflows!: Record<string, unknown>[];
}
