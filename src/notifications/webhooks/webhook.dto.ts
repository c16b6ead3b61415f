import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { NOTIFICATION_CATEGORIES } from '../notification';
import { DELIVERY_STATUSES } from './webhook-delivery';
import { DEFAULT_ROTATION_OVERLAP_SECONDS, MAX_ROTATION_OVERLAP_SECONDS } from './webhook-endpoint';

const CATEGORY_MESSAGE = `categories must be among ${NOTIFICATION_CATEGORIES.join(', ')}`;

export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://hooks.example.com/decisiongraph',
    description: 'http(s); private, loopback and link-local hosts are refused',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) description?: string;

  @ApiPropertyOptional({
    enum: NOTIFICATION_CATEGORIES,
    isArray: true,
    description: 'notification categories to deliver; empty or absent = all',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NOTIFICATION_CATEGORIES.length * 2)
  @IsIn(NOTIFICATION_CATEGORIES, { each: true, message: CATEGORY_MESSAGE })
  categories?: string[];
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ description: 'http(s); checked like at creation' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ nullable: true, maxLength: 500, type: String, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ enum: NOTIFICATION_CATEGORIES, isArray: true, description: 'empty = all' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NOTIFICATION_CATEGORIES.length * 2)
  @IsIn(NOTIFICATION_CATEGORIES, { each: true, message: CATEGORY_MESSAGE })
  categories?: string[];

  @ApiPropertyOptional({ description: 'false pauses delivery; true resumes it and clears the failure streak' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookDeliveryQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Matches(/^\d{1,6}$/, { message: 'limit must be an integer between 1 and 100' })
  limit?: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' }) @IsOptional() @IsString() cursor?: string;
}

export class WebhookEndpointDto {
  @ApiProperty({ example: 'whe_0b9c…' }) endpoint_id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ enum: NOTIFICATION_CATEGORIES, isArray: true, description: 'empty = all' }) categories!: string[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: String }) disabled_reason!: string | null;
  @ApiProperty({ description: 'failed attempts since the last success' }) consecutive_failures!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'start of the current failure streak',
  })
  failing_since!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'after a secret rotation: until then deliveries are also signed with the previous secret',
  })
  previous_secret_expires_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({
    example: 'whsec_…',
    description: 'the Standard Webhooks signing secret; shown only here (creation, rotation)',
  })
  secret!: string;
}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_ROTATION_OVERLAP_SECONDS,
    default: DEFAULT_ROTATION_OVERLAP_SECONDS,
    description: 'how long deliveries also carry a signature with the old secret; 0 = switch at once',
  })
  @IsOptional()
  @IsInt({ message: 'overlap_seconds must be an integer' })
  @Min(0, { message: `overlap_seconds must be between 0 and ${MAX_ROTATION_OVERLAP_SECONDS}` })
  @Max(MAX_ROTATION_OVERLAP_SECONDS, {
    message: `overlap_seconds must be between 0 and ${MAX_ROTATION_OVERLAP_SECONDS}`,
  })
  overlap_seconds?: number;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) endpoints!: WebhookEndpointDto[];
}

export class DeletedWebhookEndpointDto {
  @ApiProperty() endpoint_id!: string;
  @ApiProperty({ example: true }) deleted!: boolean;
}

export class WebhookAttemptDto {
  @ApiProperty() attempt_number!: number;
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty() duration_ms!: number;
  @ApiProperty({ nullable: true, type: Number }) response_status!: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'the first 2 KiB' }) response_body!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'why no response was received (timeout, refused, …)' })
  error!: string | null;
}

export class WebhookDeliveryDto {
  @ApiProperty({ description: 'also the webhook-id header' }) delivery_id!: string;
  @ApiProperty() endpoint_id!: string;
  @ApiProperty() notification_id!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES, description: 'failed = retries given up' }) status!: string;
  @ApiProperty() attempt_count!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'pending only; null while the endpoint is disabled',
  })
  next_attempt_at!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'first attempt of the current retry window',
  })
  first_attempt_at!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) last_attempt_at!: string | null;
  @ApiProperty({ nullable: true, type: Number }) last_response_status!: number | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: [WebhookAttemptDto], description: 'oldest first' }) attempts!: WebhookAttemptDto[];
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto], description: 'newest first' }) deliveries!: WebhookDeliveryDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor!: string | null;
}
