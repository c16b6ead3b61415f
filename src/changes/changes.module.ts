import { Module } from '@nestjs/common';
import { ChangeFeedService } from './change-feed.service';
import { ChangeSignalService } from './change-signal.service';
import { ChangeStreamRetentionService } from './change-stream-retention.service';
import { ChangeStreamRepository } from './change-stream.repository';
import { ChangeStreamScheduler } from './change-stream.scheduler';
import { EventStreamService } from './event-stream.service';
import { StreamController } from './stream.controller';

/**
 * The tenants' change stream (SPEC §17): its reader, the database signal that wakes it, its
 * retention, and the event stream that serves it.
 */
@Module({
  controllers: [StreamController],
  providers: [
    EventStreamService,
    ChangeFeedService,
    ChangeSignalService,
    ChangeStreamRepository,
    ChangeStreamRetentionService,
    ChangeStreamScheduler,
  ],
  exports: [ChangeFeedService],
})
export class ChangesModule {}
