import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import { Principal } from '../auth/principal';
import { ApiEnvelope } from '../common/api-envelope.decorator';
import { ApiErrors } from '../common/api-errors.decorator';
import {
  CreatePolicyDto,
  CreateTenantReviewTemplateDto,
  PolicyBodyDto,
  PolicyDto,
  PolicyListDto,
  TenantReviewTemplateBodyDto,
  TenantReviewTemplateDto,
  TenantReviewTemplateListDto,
  VersionQueryDto,
} from './policies.dto';
import { PoliciesService } from './policies.service';

@ApiTags('policies')
@Controller('v1/admin/policies')
export class PoliciesController {
  constructor(private readonly service: PoliciesService) {}

  @Post()
  @Access('admin', 'policy_manage')
  @ApiOperation({ summary: 'Create a workflow policy (version 1)' })
  @ApiEnvelope(PolicyDto, HttpStatus.CREATED)
  createPolicy(@CurrentPrincipal() principal: Principal, @Body() body: CreatePolicyDto) {
    return this.service.policies.create(principal, body);
  }

  @Get()
  @Access('admin', 'policy_manage')
  @ApiOperation({ summary: 'The tenant’s workflow policies, current versions, active and retired' })
  @ApiEnvelope(PolicyListDto)
  async listPolicies(@CurrentPrincipal() principal: Principal) {
    return { policies: await this.service.policies.list(principal) };
  }

  @Get(':policy_id')
  @Access('admin', 'policy_manage')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'One workflow policy: its current version, or ?version=' })
  @ApiEnvelope(PolicyDto)
  getPolicy(
    @CurrentPrincipal() principal: Principal,
    @Param('policy_id') policyId: string,
    @Query() query: VersionQueryDto,
  ) {
    return this.service.policies.get(principal, policyId, query.version);
  }

  @Put(':policy_id')
  @Access('admin', 'policy_manage')
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  @ApiOperation({ summary: 'Replace a policy: writes its next version; items keep the version they have' })
  @ApiEnvelope(PolicyDto)
  updatePolicy(
    @CurrentPrincipal() principal: Principal,
    @Param('policy_id') policyId: string,
    @Body() body: PolicyBodyDto,
  ) {
    return this.service.policies.update(principal, policyId, body);
  }

  @Post(':policy_id/retire')
  @Access('admin', 'policy_manage')
  @HttpCode(HttpStatus.OK)
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'Retire a policy: new items no longer match it; existing items keep it' })
  @ApiEnvelope(PolicyDto)
  retirePolicy(@CurrentPrincipal() principal: Principal, @Param('policy_id') policyId: string) {
    return this.service.policies.retire(principal, policyId);
  }
}

@ApiTags('policies')
@Controller('v1/admin/review-templates')
export class ReviewTemplatesController {
  constructor(private readonly service: PoliciesService) {}

  @Post()
  @Access('admin', 'policy_manage')
  @ApiOperation({ summary: 'Create a tenant review template for the workflow studio (version 1)' })
  @ApiEnvelope(TenantReviewTemplateDto, HttpStatus.CREATED)
  createTenantReviewTemplate(@CurrentPrincipal() principal: Principal, @Body() body: CreateTenantReviewTemplateDto) {
    return this.service.templates.create(principal, body);
  }

  @Get()
  @Access('admin', 'policy_manage')
  @ApiOperation({ summary: 'The tenant’s review templates, current versions, active and retired' })
  @ApiEnvelope(TenantReviewTemplateListDto)
  async listTenantReviewTemplates(@CurrentPrincipal() principal: Principal) {
    return { review_templates: await this.service.templates.list(principal) };
  }

  @Get(':template_id')
  @Access('admin', 'policy_manage')
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'One review template: its current version, or ?version=' })
  @ApiEnvelope(TenantReviewTemplateDto)
  getTenantReviewTemplate(
    @CurrentPrincipal() principal: Principal,
    @Param('template_id') templateId: string,
    @Query() query: VersionQueryDto,
  ) {
    return this.service.templates.get(principal, templateId, query.version);
  }

  @Put(':template_id')
  @Access('admin', 'policy_manage')
  @ApiErrors(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  @ApiOperation({ summary: 'Replace a review template: writes its next version' })
  @ApiEnvelope(TenantReviewTemplateDto)
  updateTenantReviewTemplate(
    @CurrentPrincipal() principal: Principal,
    @Param('template_id') templateId: string,
    @Body() body: TenantReviewTemplateBodyDto,
  ) {
    return this.service.templates.update(principal, templateId, body);
  }

  @Post(':template_id/retire')
  @Access('admin', 'policy_manage')
  @HttpCode(HttpStatus.OK)
  @ApiErrors(HttpStatus.NOT_FOUND)
  @ApiOperation({ summary: 'Retire a review template: the studio no longer offers it' })
  @ApiEnvelope(TenantReviewTemplateDto)
  retireTenantReviewTemplate(@CurrentPrincipal() principal: Principal, @Param('template_id') templateId: string) {
    return this.service.templates.retire(principal, templateId);
  }
}
