import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../../auth/access.decorator';
import { Principal } from '../../auth/principal';
import { ApiEnvelope } from '../../common/api-envelope.decorator';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  DeletedWebhookEndpointDto,
  RotateWebhookSecretDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookDeliveryQueryDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
} from './webhook.dto';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { ApiErrors } from '../../common/api-errors.decorator';

@ApiTags('webhooks')
@Controller('v1/admin/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookEndpointsService) {}

  @Post()
  @Access('admin', 'webhook_manage')
  @ApiErrors(HttpStatus.CONFLICT)
  @ApiOperation({ summary: 'Register a webhook endpoint; the response carries its signing secret, shown only once' })
  @ApiEnvelope(CreatedWebhookEndpointDto, HttpStatus.CREATED)
  createWebhookEndpoint(@CurrentPrincipal() principal: Principal, @Body() body: CreateWebhookEndpointDto) {
    return this.webhooks.create(principal, body);
  }

  @Get()
  @Access('admin', 'webhook_manage')
  @ApiOperation({ summary: 'The tenant’s webhook endpoints (without secrets)' })
  @ApiEnvelope(WebhookEndpointListDto)
  listWebhookEndpoints(@CurrentPrincipal() principal: Principal) {
    return this.webhooks.list(principal);
  }

  @Get(':endpoint_id')
  @Access('admin', 'webhook_manage')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'One webhook endpoint (without its secret)' })
  @ApiEnvelope(WebhookEndpointDto)
  getWebhookEndpoint(@CurrentPrincipal() principal: Principal, @Param('endpoint_id') endpointId: string) {
    return this.webhooks.get(principal, endpointId);
  }

  @Patch(':endpoint_id')
  @Access('admin', 'webhook_manage')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({
    summary: 'Change the url, description or categories; disable, or enable (resumes parked deliveries)',
  })
  @ApiEnvelope(WebhookEndpointDto)
  updateWebhookEndpoint(
    @CurrentPrincipal() principal: Principal,
    @Param('endpoint_id') endpointId: string,
    @Body() body: UpdateWebhookEndpointDto,
  ) {
    return this.webhooks.update(principal, endpointId, body);
  }

  @Post(':endpoint_id/rotate-secret')
  @Access('admin', 'webhook_manage')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'New signing secret, shown only in this response; deliveries carry both signatures during the overlap',
  })
  @ApiEnvelope(CreatedWebhookEndpointDto)
  rotateWebhookSecret(
    @CurrentPrincipal() principal: Principal,
    @Param('endpoint_id') endpointId: string,
    @Body() body: RotateWebhookSecretDto,
  ) {
    return this.webhooks.rotateSecret(principal, endpointId, body);
  }

  @Delete(':endpoint_id')
  @Access('admin', 'webhook_manage')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'Delete a webhook endpoint with its deliveries' })
  @ApiEnvelope(DeletedWebhookEndpointDto)
  deleteWebhookEndpoint(@CurrentPrincipal() principal: Principal, @Param('endpoint_id') endpointId: string) {
    return this.webhooks.delete(principal, endpointId);
  }

  @Get(':endpoint_id/deliveries')
  @Access('admin', 'webhook_manage')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'An endpoint’s deliveries, newest first, each with its attempts' })
  @ApiEnvelope(WebhookDeliveryPageDto)
  listWebhookDeliveries(
    @CurrentPrincipal() principal: Principal,
    @Param('endpoint_id') endpointId: string,
    @Query() query: WebhookDeliveryQueryDto,
  ) {
    return this.webhooks.listDeliveries(principal, endpointId, query);
  }

  @Post(':endpoint_id/deliveries/:delivery_id/redeliver')
  @Access('admin', 'webhook_manage')
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Deliver again: back to pending, due now, with a new retry window; 409 while an attempt is in flight',
  })
  @ApiEnvelope(WebhookDeliveryDto, HttpStatus.ACCEPTED)
  redeliverWebhookDelivery(
    @CurrentPrincipal() principal: Principal,
    @Param('endpoint_id') endpointId: string,
    @Param('delivery_id') deliveryId: string,
  ) {
    return this.webhooks.redeliver(principal, endpointId, deliveryId);
  }
}
