import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';

export const TRACE_OUTCOMES = ['success', 'failure', 'abandoned'] as const;

export class PrecedentQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() entity_type?: string;
  @ApiPropertyOptional({ description: 'needs entity_type' }) @IsOptional() @IsString() @IsNotEmpty() entity_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() policy_id?: string;
  @ApiPropertyOptional({ description: 'needs policy_id' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  policy_version?: string;

  @ApiPropertyOptional({ enum: TRACE_OUTCOMES })
  @IsOptional()
  @IsIn(TRACE_OUTCOMES, { message: `outcome must be one of ${TRACE_OUTCOMES.join(', ')}` })
  outcome?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Matches(/^\d{1,7}$/, { message: 'limit must be an integer between 1 and 1000' })
  limit?: string;
}

export class PrecedentDto {
  @ApiProperty() trace_id!: string;
  @ApiProperty({ nullable: true, type: String }) workflow!: string | null;
  @ApiProperty({ nullable: true, type: String }) title!: string | null;
  @ApiProperty({ enum: TRACE_OUTCOMES }) outcome!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null for a trace that evaluated no policy' }) policy_id!:
    string | null;
  @ApiProperty({ nullable: true, type: String }) policy_version!: string | null;
  @ApiProperty({ format: 'date-time' }) finished_at!: string;
}

export class PrecedentListDto {
  @ApiProperty({ type: [PrecedentDto] }) precedents!: PrecedentDto[];
}
