import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { READ_MODELS } from './read-models';
import { REPLAY_MODES, RUN_STATUSES } from './replay-run';

const PROJECTIONS = [...READ_MODELS, 'all'];

export class CreateReplayDto {
  @ApiPropertyOptional({ enum: REPLAY_MODES, default: 'verify' })
  @IsOptional()
  @IsIn(REPLAY_MODES, { message: `mode must be one of ${REPLAY_MODES.join(', ')}` })
  mode?: string;

  @ApiProperty({ enum: PROJECTIONS, description: 'a read model, or `all`' })
  @IsIn(PROJECTIONS, { message: `projection must be one of ${PROJECTIONS.join(', ')}` })
  projection!: string;

  @ApiProperty({ minLength: 1, maxLength: 500 })
  @IsString({ message: 'reason must be a string' })
  @Length(1, 500, { message: 'reason must be 1-500 characters' })
  reason!: string;

  @ApiPropertyOptional({ minimum: 0, description: 'catch_up: apply events above this log_seq' })
  @IsOptional()
  @IsInt({ message: 'since_log_seq must be an integer' })
  @Min(0, { message: 'since_log_seq must be at least 0' })
  since_log_seq?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'verify: compare the models as of this log_seq' })
  @IsOptional()
  @IsInt({ message: 'until_log_seq must be an integer' })
  @Min(0, { message: 'until_log_seq must be at least 0' })
  until_log_seq?: number;
}

export class ReplayListQueryDto {
  @ApiPropertyOptional({ enum: RUN_STATUSES })
  @IsOptional()
  @IsIn(RUN_STATUSES, { message: `status must be one of ${RUN_STATUSES.join(', ')}` })
  status?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 }) @IsOptional() @IsString() limit?: string;
}

export class MismatchDto {
  @ApiProperty() projection_name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) key!: Record<string, unknown>;
  @ApiProperty({ type: [String] }) fields!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) expected!: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) actual!: Record<string, unknown> | null;
}

export class ReplayRunDto {
  @ApiProperty({ example: 'rpl_6f1c…' }) job_id!: string;
  @ApiProperty() tenant_id!: string;
  @ApiProperty() projection_name!: string;
  @ApiProperty({ enum: REPLAY_MODES }) mode!: string;
  @ApiProperty({ enum: RUN_STATUSES }) status!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() requested_by!: string;
  @ApiProperty({ type: Number, nullable: true }) since_log_seq!: number | null;
  @ApiProperty({ type: Number, nullable: true }) until_log_seq!: number | null;
  @ApiProperty() events_total!: number;
  @ApiProperty() events_processed!: number;
  @ApiProperty() mismatch_count!: number;
  @ApiProperty({ type: [MismatchDto], description: 'the first 100' }) mismatches!: MismatchDto[];
  @ApiProperty({ type: String, nullable: true }) digest_before!: string | null;
  @ApiProperty({ type: String, nullable: true }) digest_after!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty() created_at!: string;
  @ApiProperty({ type: String, nullable: true }) started_at!: string | null;
  @ApiProperty({ type: String, nullable: true }) finished_at!: string | null;
}

export class ReplayRunEnvelopeDto {
  @ApiProperty({ type: ReplayRunDto }) run!: ReplayRunDto;
}

export class ReplayRunPageDto {
  @ApiProperty({ type: [ReplayRunDto] }) runs!: ReplayRunDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

export class ProjectionHealthEntryDto {
  @ApiProperty({ enum: READ_MODELS }) projection_name!: string;
  @ApiProperty() last_log_seq!: number;
  @ApiProperty() pending_events!: number;
  @ApiProperty() is_stale!: boolean;
  @ApiProperty({ type: String, nullable: true }) digest!: string | null;
  @ApiProperty({ type: Number, nullable: true }) digest_log_seq!: number | null;
  @ApiProperty({ type: String, nullable: true }) verified_at!: string | null;
  @ApiProperty() open_failures!: number;
}

export class ProjectionHealthDto {
  @ApiProperty() tenant_id!: string;
  @ApiProperty() event_log_last_seq!: number;
  @ApiProperty({ type: [ProjectionHealthEntryDto] }) projections!: ProjectionHealthEntryDto[];
  @ApiProperty({ type: [ReplayRunDto] }) open_runs!: ReplayRunDto[];
}
