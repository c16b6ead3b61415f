import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { PRIORITIES } from '../workflow-status';

export class StudioQueryDto {
  @ApiPropertyOptional({ description: 'unknown or absent → the default template for the trace' })
  @IsOptional()
  @IsString()
  template_id?: string;
}

export class ReviewAssigneeDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() account_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() role?: string;
}

export class StartReviewDto {
  @ApiProperty() @IsString({ message: 'reason is required' }) reason!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() template_id?: string;

  @ApiPropertyOptional({ type: ReviewAssigneeDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ReviewAssigneeDto)
  assignee?: ReviewAssigneeDto;

  @ApiPropertyOptional({ enum: PRIORITIES })
  @IsOptional()
  @IsIn(PRIORITIES, { message: `priority must be one of ${PRIORITIES.join(', ')}` })
  priority?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 8760 })
  @IsOptional()
  @IsInt({ message: 'sla_hours must be a positive integer' })
  @Min(1, { message: 'sla_hours must be a positive integer' })
  @Max(8760, { message: 'sla_hours must be at most 8760' })
  sla_hours?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 10, description: 'approvals needed to decide (quorum), 1 when absent' })
  @IsOptional()
  @IsInt({ message: 'required_approvals must be an integer between 1 and 10' })
  @Min(1, { message: 'required_approvals must be an integer between 1 and 10' })
  @Max(10, { message: 'required_approvals must be an integer between 1 and 10' })
  required_approvals?: number;
}

export class ReviewTemplateDto {
  @ApiProperty() template_id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty() workflow_kind!: string;
  @ApiProperty({ enum: PRIORITIES }) default_priority!: string;
  @ApiProperty() default_sla_hours!: number;
  @ApiProperty() reviewer_role!: string;
  @ApiPropertyOptional({
    description: 'tenant templates only (SPEC §14): the quorum a review started from it asks for',
  })
  required_approvals?: number;
  @ApiPropertyOptional({ description: 'tenant templates only: the template version' }) version?: number;
  @ApiPropertyOptional({ enum: ['tenant'], description: 'tenant templates only; built-in ones have no source' })
  source?: string;
}

export class TemplateListDto {
  @ApiProperty({ type: [ReviewTemplateDto] }) templates!: ReviewTemplateDto[];
}

export class StudioDryRunDto {
  @ApiProperty() trace_id!: string;
  @ApiProperty({ type: ReviewTemplateDto }) template!: ReviewTemplateDto;
  @ApiProperty({ type: [ReviewTemplateDto] }) templates!: ReviewTemplateDto[];
  @ApiProperty({ type: 'object', additionalProperties: true }) draft!: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) existing_workflows!: Record<
    string,
    unknown
  >[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) precedent_preview!: Record<
    string,
    unknown
  >[];
  @ApiProperty({ type: 'object', additionalProperties: true }) simulation!: Record<string, unknown>;
}

export class StartReviewResultDto {
  @ApiProperty() created!: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) workflow?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) action?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) review_context?: Record<
    string,
    unknown
  > | null;
}
