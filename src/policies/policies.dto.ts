import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { WEEKDAYS } from './business-calendar';
import { BREACH_ACTIONS } from './policy-definition';

const PRIORITIES = ['urgent', 'high', 'normal', 'low'];

// The bodies are checked in full by policy-definition.ts / review-template-definition.ts (one 400
// naming every problem by path); these classes document them and let the fields through.

export class PolicyMatchDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'exception_review' }) workflow_kind?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'incident_triage' }) template_id?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, enum: PRIORITIES }) priority?: string | null;
}

export class WorkingHoursDto {
  @ApiProperty({ example: '09:00', description: 'local time HH:MM' }) start!: string;
  @ApiProperty({ example: '17:00', description: 'local time HH:MM, after start; 24:00 = midnight' }) end!: string;
}

export class BusinessCalendarDto {
  @ApiProperty({ example: 'Europe/Berlin', description: 'IANA time zone' }) time_zone!: string;
  @ApiProperty({ enum: WEEKDAYS, isArray: true, example: ['mon', 'tue', 'wed', 'thu', 'fri'] })
  working_days!: string[];
  @ApiProperty({
    type: [WorkingHoursDto],
    description: 'the same on every working day; intervals must not overlap',
    example: [{ start: '09:00', end: '17:00' }],
  })
  working_hours!: WorkingHoursDto[];
  @ApiPropertyOptional({ type: [String], example: ['2026-12-25'], description: 'local dates YYYY-MM-DD without work' })
  holidays?: string[];
}

export class EscalationLevelDto {
  @ApiPropertyOptional({ type: String, nullable: true, description: 'account to assign; this and/or assigned_role' })
  assigned_account_id?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'lead' }) assigned_role?: string | null;
  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    description: 'minutes after the previous level fired (after the due time for the first level)',
  })
  delay_minutes?: number;
  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: 10,
    description: 'times the level fires again, each delay_minutes after the last, before the next level',
  })
  repeat?: number;
}

export class FinalBreachDto {
  @ApiProperty({ enum: BREACH_ACTIONS }) action!: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'required for auto_reject; the decision reason' })
  reason?: string | null;
  @ApiPropertyOptional({ default: 0, minimum: 0, description: 'minutes after the last escalation (or the due time)' })
  delay_minutes?: number;
}

export class PolicyBodyDto {
  @ApiProperty({ maxLength: 200, example: 'Berlin exception desk' }) @Allow() name!: string;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000 }) @Allow() description?: string | null;
  @ApiPropertyOptional({
    type: PolicyMatchDto,
    description: 'fields an item must equal; unset fields match anything. The most specific policy wins',
  })
  @Allow()
  match?: PolicyMatchDto;
  @ApiProperty({ minimum: 1, example: 240, description: 'SLA in working minutes of the calendar' })
  @Allow()
  sla_minutes!: number;
  @ApiPropertyOptional({ type: BusinessCalendarDto, nullable: true, description: 'absent or null: around the clock' })
  @Allow()
  calendar?: BusinessCalendarDto | null;
  @ApiPropertyOptional({
    type: [Number],
    example: [50, 75, 90],
    description: 'percentages (1-99) of the SLA; one deadline_risk notice each',
  })
  @Allow()
  warning_thresholds?: number[];
  @ApiPropertyOptional({ type: [EscalationLevelDto], description: 'walked in order once the item is past due' })
  @Allow()
  escalation_levels?: EscalationLevelDto[];
  @ApiPropertyOptional({ default: false, description: 'stop the SLA clock while changes_requested' })
  @Allow()
  pause_on_changes_requested?: boolean;
  @ApiPropertyOptional({ type: FinalBreachDto, description: 'default {action: none}' })
  @Allow()
  on_final_breach?: FinalBreachDto;
  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: 10, description: 'the least quorum of the items' })
  @Allow()
  required_approvals?: number;
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'null: DG_SEPARATION_OF_DUTIES' })
  @Allow()
  separation_of_duties?: boolean | null;
}

export class CreatePolicyDto extends PolicyBodyDto {
  @ApiPropertyOptional({ example: 'berlin-desk', description: 'a-z 0-9 _ . -; generated (pol_…) when absent' })
  @Allow()
  policy_id?: string;
}

export class PolicyDto extends PolicyBodyDto {
  @ApiProperty() policy_id!: string;
  @ApiProperty({ description: '1, then +1 per update' }) version!: number;
  @ApiProperty({ enum: ['active', 'retired'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, nullable: true }) created_by!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) retired_at!: string | null;
}

export class PolicyListDto {
  @ApiProperty({ type: [PolicyDto], description: 'current version of every policy, by policy_id' })
  policies!: PolicyDto[];
}

export class VersionQueryDto {
  @ApiPropertyOptional({ description: 'a past version; default the current one' }) @Allow() version?: string;
}

export class TenantReviewTemplateBodyDto {
  @ApiProperty({ maxLength: 200, example: 'Payments review' }) @Allow() title!: string;
  @ApiPropertyOptional({ default: '' }) @Allow() description?: string;
  @ApiPropertyOptional({ default: 'incident_review' }) @Allow() workflow_kind?: string;
  @ApiPropertyOptional({ enum: PRIORITIES, default: 'normal' }) @Allow() default_priority?: string;
  @ApiProperty({ example: 4, description: 'hours; a matching policy’s SLA replaces it' })
  @Allow()
  default_sla_hours!: number;
  @ApiPropertyOptional({ default: 'admin' }) @Allow() reviewer_role?: string;
  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: 10 }) @Allow() required_approvals?: number;
}

export class CreateTenantReviewTemplateDto extends TenantReviewTemplateBodyDto {
  @ApiProperty({ example: 'payments_review', description: 'a-z 0-9 _ . -; not a built-in id' })
  @Allow()
  template_id!: string;
}

export class TenantReviewTemplateDto extends CreateTenantReviewTemplateDto {
  @ApiProperty() version!: number;
  @ApiProperty({ enum: ['active', 'retired'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, nullable: true }) created_by!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) retired_at!: string | null;
}

export class TenantReviewTemplateListDto {
  @ApiProperty({ type: [TenantReviewTemplateDto] }) review_templates!: TenantReviewTemplateDto[];
}
