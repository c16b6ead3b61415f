import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';
import { ConsoleFilesService } from './console-files.service';

/** Serves the reviewer console's built files (console/, built by `npm run build`). */
@Module({ controllers: [ConsoleController], providers: [ConsoleFilesService] })
export class ConsoleModule {}
