import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/access.decorator';
import { RawResponse } from '../common/envelope.interceptor';
import { ConsoleFilesService } from './console-files.service';

/** The reviewer console at /console (outside /api; not part of the API document). */
@ApiExcludeController()
@Public()
@RawResponse()
@Controller('console')
export class ConsoleController {
  constructor(private readonly files: ConsoleFilesService) {}

  @Get()
  index(@Res() res: Response): void {
    this.files.serve([], res);
  }

  /** Files, and client-side routes such as /console/workflows/:workflow_id (index.html). */
  @Get('*path')
  file(@Param('path') path: string[] | string, @Res() res: Response): void {
    this.files.serve(Array.isArray(path) ? path : path.split('/'), res);
  }
}
