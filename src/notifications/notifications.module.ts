import { Module } from '@nestjs/common';
import { NotificationRepository } from './notification.repository';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { WebhookDeliveryRepository } from './webhooks/webhook-delivery.repository';
import { WebhookDeliveryService } from './webhooks/webhook-delivery.service';
import { WebhookEndpointRepository } from './webhooks/webhook-endpoint.repository';
import { WebhookEndpointsService } from './webhooks/webhook-endpoints.service';
import { WebhookSecretBox } from './webhooks/webhook-secret-box';
import { WebhookSecretSealer } from './webhooks/webhook-secret-sealer';
import { WebhookSenderService } from './webhooks/webhook-sender.service';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhookScheduler } from './webhooks/webhook.scheduler';

/** Notifications (SPEC §8) and their outbound delivery to webhook endpoints. */
@Module({
  controllers: [NotificationsController, WebhooksController],
  providers: [
    NotificationRepository,
    NotificationsService,
    WebhookEndpointRepository,
    WebhookDeliveryRepository,
    WebhookEndpointsService,
    WebhookSecretBox,
    WebhookSecretSealer,
    WebhookSenderService,
    WebhookDeliveryService,
    WebhookScheduler,
  ],
  exports: [NotificationsService],
})
export class NotificationsModule {}
