import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { ReplayRunnerService } from './replay-runner.service';
import { ReplayScheduler } from './replay.scheduler';
import { ReplaysController } from './replays.controller';
import { ReplaysService } from './replays.service';

/** Read models you can check and rebuild (SPEC §16): health, replay runs and their worker. */
@Module({
  imports: [NotificationsModule],
  controllers: [ReplaysController],
  providers: [ReplayRunnerService, ReplaysService, ReplayScheduler],
  exports: [ReplayRunnerService, ReplaysService],
})
export class ProjectionsModule {}
