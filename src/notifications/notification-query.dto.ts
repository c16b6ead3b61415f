import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';
import { NOTIFICATION_CATEGORIES } from './notification';

const LIMIT = /^\d{1,6}$/;

export class NotificationQueryDto {
  @ApiPropertyOptional({ enum: NOTIFICATION_CATEGORIES })
  @IsOptional()
  @IsIn(NOTIFICATION_CATEGORIES, { message: `category must be one of ${NOTIFICATION_CATEGORIES.join(', ')}` })
  category?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() workflow_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() recipient_role?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() recipient_account_id?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Matches(LIMIT, { message: 'limit must be an integer between 1 and 200' })
  limit?: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' }) @IsOptional() @IsString() cursor?: string;
}

/** The per-workflow notification list: the same query without workflow_id. */
export class WorkflowNotificationQueryDto {
  @ApiPropertyOptional({ enum: NOTIFICATION_CATEGORIES })
  @IsOptional()
  @IsIn(NOTIFICATION_CATEGORIES, { message: `category must be one of ${NOTIFICATION_CATEGORIES.join(', ')}` })
  category?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() recipient_role?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() recipient_account_id?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Matches(LIMIT, { message: 'limit must be an integer between 1 and 200' })
  limit?: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' }) @IsOptional() @IsString() cursor?: string;
}
