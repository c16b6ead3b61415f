import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { DomainError } from '../common/error-codes';
import { PrismaService } from '../database/prisma.service';
import type { PrecedentQueryDto } from './precedent.dto';
import { Precedent, PrecedentFilter, TraceSummaryRepository } from './trace-summary.repository';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Precedents (SPEC §5.7): finished traces, one row each (TraceSummaryRepository.findPrecedents). */
@Injectable()
export class PrecedentsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly summaries: TraceSummaryRepository,
  ) {}

  async list(principal: Principal, query: PrecedentQueryDto): Promise<{ precedents: Precedent[] }> {
    if (query.entity_id && !query.entity_type)
      throw new DomainError('invalid_argument', 'entity_id requires entity_type');
    if (query.policy_version && !query.policy_id)
      throw new DomainError('invalid_argument', 'policy_version requires policy_id');
    const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
    if (limit < 1 || limit > MAX_LIMIT)
      throw new DomainError('invalid_argument', `limit must be an integer between 1 and ${MAX_LIMIT}`);
    const filter: PrecedentFilter = {
      entityType: query.entity_type,
      entityId: query.entity_id,
      policyId: query.policy_id,
      policyVersion: query.policy_version,
      outcome: query.outcome,
    };
    return { precedents: await this.find(principal.tenantId, filter, limit) };
  }

  find(tenantId: string, filter: PrecedentFilter, limit: number): Promise<Precedent[]> {
    return this.summaries.findPrecedents(this.prisma, tenantId, filter, limit);
  }
}
