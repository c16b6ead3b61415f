import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NotificationDto } from '../notifications/notification.dto';
import { PRIORITIES, WORKFLOW_STATUSES } from './workflow-status';

export class SubjectDto {
  @ApiProperty() subject_type!: string;
  @ApiProperty() subject_id!: string;
}

export class ActorRefDto {
  @ApiProperty() actor_id!: string;
  @ApiProperty() actor_type!: string;
}

/** SPEC §14: the SLA clock of an item. */
export class SlaClockDto {
  @ApiProperty({
    enum: ['running', 'paused', 'stopped'],
    description: 'paused while a pausing policy waits on the requester; stopped once decided',
  })
  state!: string;
  @ApiProperty({ format: 'date-time', description: 'the same as sla_due_at' }) due_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) paused_at!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'the time zone of the policy’s business-hours calendar, null without one',
  })
  business_hours_time_zone!: string | null;
}

export class WorkflowDto {
  @ApiProperty() workflow_id!: string;
  @ApiProperty() tenant_id!: string;
  @ApiProperty() trace_id!: string;
  @ApiProperty() workflow_kind!: string;
  @ApiProperty() workflow_name!: string;
  @ApiProperty({ type: SubjectDto }) subject!: SubjectDto;
  @ApiProperty({ enum: WORKFLOW_STATUSES }) status!: string;
  @ApiProperty({ enum: PRIORITIES }) priority!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ nullable: true, type: String }) policy_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) policy_version!: string | null;
  @ApiProperty({ nullable: true, type: ActorRefDto }) requested_by_actor!: ActorRefDto | null;
  @ApiProperty({ nullable: true, type: String }) assigned_account_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) assigned_role!: string | null;
  @ApiProperty({ nullable: true, type: String }) claimed_by_account_id!: string | null;
  @ApiProperty({ format: 'date-time' }) requested_at!: string;
  @ApiProperty({ format: 'date-time' }) sla_due_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) resolved_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) last_action_type!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) last_action_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) current_decision!: string | null;
  @ApiProperty({ nullable: true, type: String }) current_reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) approval_event_id!: string | null;
  @ApiProperty() created_from_event_id!: string;
  @ApiProperty() last_source_log_seq!: number;
  @ApiProperty() escalation_count!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'open and past sla_due_at' }) overdue!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'recorded_by of the event that created the item (the caller, for reviews started in the studio)',
  })
  requested_by!: string | null;
  @ApiProperty({ minimum: 1, maximum: 10, description: 'approvals needed to decide (quorum)' })
  required_approvals!: number;
  @ApiProperty({ type: () => [ApprovalVoteDto], description: 'votes given so far, oldest first' })
  approvals!: ApprovalVoteDto[];
  @ApiProperty() approval_count!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'SPEC §14: the tenant workflow policy the item was created under (null: deployment defaults)',
  })
  workflow_policy_id!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'the version of that policy the item keeps' })
  workflow_policy_version!: number | null;
  @ApiProperty({ type: () => SlaClockDto }) sla_clock!: SlaClockDto;
}

export class ApprovalVoteDto {
  @ApiProperty() account_id!: string;
  @ApiProperty({ nullable: true, type: String, description: 'the person behind the account (OIDC sub)' })
  person_sub!: string | null;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() action_id!: string;
}

export class ActionActorDto {
  @ApiProperty() actor_id!: string;
  @ApiProperty() actor_type!: string;
  @ApiProperty({ nullable: true, type: String }) account_id!: string | null;
  @ApiProperty({ required: false, description: 'present when actor_type is person' }) display_name?: string;
}

export class WorkflowActionRecordDto {
  @ApiProperty({ example: 'wfa:…' }) action_id!: string;
  @ApiProperty() action_type!: string;
  @ApiProperty({ type: ActionActorDto }) actor!: ActionActorDto;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) source_event_id!: string | null;
  @ApiProperty() resulting_status!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ nullable: true, type: String }) prev_action_hash!: string | null;
  @ApiProperty() action_hash!: string;
}

export class InboxSummaryDto {
  @ApiProperty() total_count!: number;
  @ApiProperty() open_count!: number;
  @ApiProperty() overdue_count!: number;
  @ApiProperty() requested_count!: number;
  @ApiProperty() in_review_count!: number;
  @ApiProperty() changes_requested_count!: number;
  @ApiProperty() escalated_count!: number;
  @ApiProperty() approved_count!: number;
  @ApiProperty() rejected_count!: number;
  @ApiProperty() overridden_count!: number;
  @ApiProperty() notification_count!: number;
  @ApiProperty({ description: 'open items that need a vote the caller has not given (and did not request)' })
  awaiting_approval_count!: number;
}

export class InboxDto {
  @ApiProperty({ type: [WorkflowDto] }) items!: WorkflowDto[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the filters applied' }) filters!: Record<
    string,
    unknown
  >;
  @ApiProperty({ type: InboxSummaryDto }) summary!: InboxSummaryDto;
  @ApiProperty({ nullable: true, type: String }) next_cursor!: string | null;
}

export class TraceReferenceDto {
  @ApiProperty() tenant_id!: string;
  @ApiProperty() trace_id!: string;
  @ApiProperty() subject_type!: string;
  @ApiProperty() subject_id!: string;
  @ApiProperty() workflow_name!: string;
}

export class WorkflowDetailDto {
  @ApiProperty({ type: WorkflowDto }) workflow!: WorkflowDto;
  @ApiProperty({ type: [WorkflowActionRecordDto], description: 'oldest first, the first 1000' })
  actions!: WorkflowActionRecordDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'when the item has more actions: the cursor of GET …/actions for the rest; else null',
  })
  actions_next_cursor!: string | null;
  @ApiProperty({ type: [NotificationDto], description: 'newest 12' }) notifications!: NotificationDto[];
  @ApiProperty() notification_count!: number;
  @ApiProperty({ type: TraceReferenceDto }) trace_reference!: TraceReferenceDto;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) review_context!: Record<
    string,
    unknown
  > | null;
}

export class ActionOutcomeDto {
  @ApiProperty() action_id!: string;
  @ApiProperty({ description: 'the resulting state, or vote_recorded for an approve short of the quorum' })
  outcome!: string;
  @ApiPropertyOptional() appended_event_id?: string;
  @ApiPropertyOptional() escalated_to?: string;
  @ApiPropertyOptional({ description: 'with vote_recorded: approvals still needed' }) approvals_remaining?: number;
}

export class ActionResultDto {
  @ApiProperty({ type: ActionOutcomeDto }) action!: ActionOutcomeDto;
  @ApiProperty({ type: WorkflowDto }) workflow!: WorkflowDto;
}

export class WorkflowActionPageDto {
  @ApiProperty({ type: [WorkflowActionRecordDto], description: 'oldest first' }) actions!: WorkflowActionRecordDto[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as cursor for the next page; null on the last' })
  next_cursor!: string | null;
}
