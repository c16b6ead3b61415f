import { Module } from '@nestjs/common';
import { DefinitionsRepository } from './definitions.repository';
import { PoliciesController, ReviewTemplatesController } from './policies.controller';
import { PoliciesService } from './policies.service';

/** Tenant workflow policies and review templates (SPEC §14). */
@Module({
  controllers: [PoliciesController, ReviewTemplatesController],
  providers: [PoliciesService, DefinitionsRepository],
  exports: [PoliciesService],
})
export class PoliciesModule {}
