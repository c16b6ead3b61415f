import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsRfc3339 } from '../common/rfc3339';
import { StoredEventDto } from '../ingestion/event.dto';
import { NotificationDto } from '../notifications/notification.dto';
import { TraceReferenceDto, WorkflowActionRecordDto, WorkflowDto } from '../workflow/workflow.dto';
import { WORKFLOW_STATUSES } from '../workflow/workflow-status';

export class BulkExportQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'items whose updated_at is at or after this instant' })
  @IsOptional()
  @IsRfc3339({ message: 'from must be an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'items whose updated_at is at or before this instant' })
  @IsOptional()
  @IsRfc3339({ message: 'to must be an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z' })
  to?: string;

  @ApiPropertyOptional({ enum: WORKFLOW_STATUSES })
  @IsOptional()
  @IsIn(WORKFLOW_STATUSES, { message: `status must be one of ${WORKFLOW_STATUSES.join(', ')}` })
  status?: string;
}

export class AuditSummaryDto {
  @ApiProperty() action_count!: number;
  @ApiProperty({ description: 'the item is approved, rejected or overridden' }) closed!: boolean;
  @ApiProperty({ nullable: true, type: String }) current_decision!: string | null;
  @ApiProperty() notification_count!: number;
  @ApiProperty({ description: 'open and past its SLA at exported_at' }) overdue!: boolean;
  @ApiProperty() workflow_kind!: string;
}

export class ExportIntegrityDto {
  @ApiProperty({ nullable: true, type: String, description: 'event_hash of the trace’s last event' })
  event_chain_head!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'action_hash of the item’s last action' })
  action_chain_head!: string | null;
  @ApiProperty({ description: '"sha256:" + hex(sha256(canonical JSON of the export without "integrity"))' })
  digest!: string;
  @ApiProperty({ description: 'base64 Ed25519 signature of the digest string’s UTF-8 bytes' }) signature!: string;
  @ApiProperty() key_id!: string;
  @ApiProperty({ enum: ['ed25519'] }) alg!: string;
}

export class WorkflowExportDto {
  @ApiProperty({ example: 1 }) export_version!: number;
  @ApiProperty({ format: 'date-time' }) exported_at!: string;
  @ApiProperty({ type: WorkflowDto }) workflow!: WorkflowDto;
  @ApiProperty({ type: [WorkflowActionRecordDto], description: 'all, oldest first' })
  workflow_actions!: WorkflowActionRecordDto[];
  @ApiProperty({ type: [NotificationDto], description: 'all, oldest first' })
  workflow_notifications!: NotificationDto[];
  @ApiProperty({ type: TraceReferenceDto }) trace_reference!: TraceReferenceDto;
  @ApiProperty({ type: [StoredEventDto], description: 'the trace’s events by trace_seq' })
  trace_events!: StoredEventDto[];
  @ApiProperty({ type: AuditSummaryDto }) audit_summary!: AuditSummaryDto;
  @ApiProperty({ type: ExportIntegrityDto }) integrity!: ExportIntegrityDto;
}
