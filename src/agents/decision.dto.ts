import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { WORKFLOW_STATUSES } from '../workflow/workflow-status';

export const MAX_WAIT_SECONDS = 60;

export class DecisionQueryDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
    default: 0,
    description: 'how long to wait for a decision or a change request before answering the current state',
  })
  @IsOptional()
  @Matches(/^(?:[0-9]|[1-5][0-9]|60)$/, {
    message: `wait_seconds must be an integer between 0 and ${MAX_WAIT_SECONDS}`,
  })
  wait_seconds?: string;
}

export class DecisionDto {
  @ApiProperty() workflow_id!: string;
  @ApiProperty({ enum: WORKFLOW_STATUSES }) status!: string;
  @ApiProperty({ description: 'the item is terminal (approved, rejected or overridden)' }) decided!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'current_decision when decided: approved, rejected or override_approved',
  })
  decision!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'the decision’s reason, or the change request’s when changes_requested',
  })
  reason!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'account_id of the principal that decided' })
  decided_by!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) decided_at!: string | null;
  @ApiProperty({ description: 'a reviewer asked for changes (status changes_requested)' }) changes_requested!: boolean;
  @ApiProperty() version!: number;
}
