import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import { Principal } from '../auth/principal';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { NotificationQueryDto } from './notification-query.dto';
import { NotificationPageDto } from './notification.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@Controller('v1/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @Access('read')
  @ApiOperation({ summary: 'Notifications of the tenant, newest first' })
  @ApiEnvelope(NotificationPageDto)
  listNotifications(@CurrentPrincipal() principal: Principal, @Query() query: NotificationQueryDto) {
    return this.notifications.list(principal, query);
  }
}
