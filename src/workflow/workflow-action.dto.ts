import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { WORKFLOW_ACTIONS } from './workflow-status';

/** SPEC §6.3's action request. Which fields an action needs is the state machine's concern. */
export class WorkflowActionDto {
  @ApiProperty({ enum: WORKFLOW_ACTIONS })
  @IsIn(WORKFLOW_ACTIONS, { message: 'Unsupported workflow action' })
  action!: string;

  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() reason?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() note?: string | null;

  @ApiPropertyOptional({
    type: 'array',
    items: {},
    nullable: true,
    description: 'objects kept, scalars wrapped as {"value": "<string>"}',
  })
  @IsOptional()
  @IsArray({ message: 'evidence must be an array' })
  evidence?: unknown[] | null;

  // Assignees end up in indexed columns and notification dedupe keys, which have a size limit.
  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  assigned_account_id?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  assigned_role?: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'override only: "OVERRIDE " + the workflow id upper-cased',
  })
  @IsOptional()
  @IsString()
  confirm_text?: string | null;
}
