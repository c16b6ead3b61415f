import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';
import { PRIORITIES, WORKFLOW_STATUSES } from './workflow-status';

const BOOL = ['true', 'false'];
const LIMIT = /^\d{1,6}$/;

export class InboxQueryDto {
  @ApiPropertyOptional({ enum: WORKFLOW_STATUSES })
  @IsOptional()
  @IsIn(WORKFLOW_STATUSES, { message: `status must be one of ${WORKFLOW_STATUSES.join(', ')}` })
  status?: string;

  @ApiPropertyOptional({ enum: PRIORITIES, description: 'case-insensitive, like the priority of an event' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(PRIORITIES, { message: `priority must be one of ${PRIORITIES.join(', ')}` })
  priority?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() workflow_kind?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() assigned_account_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() assigned_role?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() trace_id?: string;

  @ApiPropertyOptional({
    enum: BOOL,
    description: 'default true, or false when a closed status (approved, rejected, overridden) is asked for',
  })
  @IsOptional()
  @IsIn(BOOL, { message: 'only_open must be true or false' })
  only_open?: string;

  @ApiPropertyOptional({ enum: BOOL, default: 'false' })
  @IsOptional()
  @IsIn(BOOL, { message: 'only_overdue must be true or false' })
  only_overdue?: string;

  @ApiPropertyOptional({
    enum: BOOL,
    default: 'false',
    description: 'only open items that need a vote the caller has not given (items it requested excluded)',
  })
  @IsOptional()
  @IsIn(BOOL, { message: 'awaiting_my_approval must be true or false' })
  awaiting_my_approval?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 12 })
  @IsOptional()
  @Matches(LIMIT, { message: 'limit must be an integer between 1 and 200' })
  limit?: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' }) @IsOptional() @IsString() cursor?: string;
}

export class WorkflowActionQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Matches(LIMIT, { message: 'limit must be an integer between 1 and 1000' })
  limit?: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' }) @IsOptional() @IsString() cursor?: string;
}
