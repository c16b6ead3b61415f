import { ApiProperty } from '@nestjs/swagger';
import { NOTIFICATION_CATEGORIES } from './notification';

export class NotificationDto {
  @ApiProperty() notification_id!: string;
  @ApiProperty() tenant_id!: string;
  @ApiProperty() workflow_id!: string;
  @ApiProperty({ enum: NOTIFICATION_CATEGORIES }) category!: string;
  @ApiProperty({ example: 'operator_console' }) channel!: string;
  @ApiProperty() dedupe_key!: string;
  @ApiProperty({ nullable: true, type: String }) recipient_account_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) recipient_role!: string | null;
  @ApiProperty() message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) notifications!: NotificationDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor!: string | null;
}
