import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { DomainError } from '../common/error-codes';
import type { SqlDb } from '../database/driver-tx';
import type { Db } from '../database/prisma.service';
import { PrismaService } from '../database/prisma.service';
import { REVIEW_TEMPLATES } from './review-templates';
import { DefinitionsRepository, type DefinitionKind, type DefinitionVersion } from './definitions.repository';
import { parsePolicyBody, type PolicyDefinition } from './policy-definition';
import { parseReviewTemplateBody, type ReviewTemplateDefinition } from './review-template-definition';

const BUILT_IN_TEMPLATE_IDS = REVIEW_TEMPLATES.map((t) => t.template_id);

/** How one kind of definition is named, checked and shown. */
type KindRules<D> = {
  kind: DefinitionKind;
  idField: 'policy_id' | 'template_id';
  noun: string;
  parse: (body: unknown, creating: boolean) => D & { policy_id?: string; template_id?: string };
};

const POLICY: KindRules<PolicyDefinition> = {
  kind: 'policy',
  idField: 'policy_id',
  noun: 'Policy',
  parse: parsePolicyBody,
};

const TEMPLATE: KindRules<ReviewTemplateDefinition> = {
  kind: 'review_template',
  idField: 'template_id',
  noun: 'Review template',
  parse: (body, creating) => parseReviewTemplateBody(body, creating, BUILT_IN_TEMPLATE_IDS),
};

/** A definition version as the admin API returns it: id, version, status, then its fields. */
function definitionJson<D>(rules: KindRules<D>, row: DefinitionVersion<D>) {
  return {
    [rules.idField]: row.definition_id,
    version: row.version,
    status: row.retired_at ? 'retired' : 'active',
    ...row.definition,
    created_at: row.created_at.toISOString(),
    created_by: row.created_by,
    retired_at: row.retired_at?.toISOString() ?? null,
  };
}

/**
 * SPEC §14: tenant admins' workflow policies and review templates. Each update writes a new
 * version (the old ones stay, for the items created under them); retiring stops new items from
 * matching; a retired definition is not updated again.
 */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly definitions: DefinitionsRepository,
    private readonly clock: Clock,
  ) {}

  readonly policies = this.crud(POLICY);
  readonly templates = this.crud(TEMPLATE);

  /** The tenant's active policies (current versions), for matching new items. */
  async activePolicies(db: SqlDb, tenantId: string): Promise<DefinitionVersion<PolicyDefinition>[]> {
    const rows = await this.definitions.allCurrent<PolicyDefinition>(db, tenantId, 'policy');
    return rows.filter((r) => !r.retired_at);
  }

  /** The tenant's active review templates, for the studio. */
  async activeTemplates(db: Db, tenantId: string): Promise<DefinitionVersion<ReviewTemplateDefinition>[]> {
    const rows = await this.definitions.allCurrent<ReviewTemplateDefinition>(db, tenantId, 'review_template');
    return rows.filter((r) => !r.retired_at);
  }

  private crud<D>(rules: KindRules<D>) {
    const notFound = (id: string) => new DomainError('not_found', `${rules.noun} not found: ${id}`);
    const current = async (principal: Principal, id: string) => {
      const row = await this.definitions.current<D>(this.prisma, principal.tenantId, rules.kind, id);
      if (!row) throw notFound(id);
      return row;
    };
    const write = async (principal: Principal, id: string, version: number, definition: D) => {
      const row: DefinitionVersion<D> = {
        tenant_id: principal.tenantId,
        kind: rules.kind,
        definition_id: id,
        version,
        definition,
        created_at: this.clock.now(),
        created_by: principal.accountId,
        retired_at: null,
      };
      if (!(await this.definitions.insert(this.prisma, row))) {
        throw new DomainError(
          'conflict',
          version === 1
            ? `${rules.noun} ${id} exists already`
            : `${rules.noun} ${id} was changed concurrently; read it and try again`,
          { [rules.idField]: id },
        );
      }
      return definitionJson(rules, row);
    };
    return {
      create: async (principal: Principal, body: unknown) => {
        const { policy_id, template_id, ...definition } = rules.parse(body, true);
        const id = policy_id ?? template_id ?? `pol_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
        return write(principal, id, 1, definition as D);
      },
      list: async (principal: Principal) => {
        const rows = await this.definitions.allCurrent<D>(this.prisma, principal.tenantId, rules.kind);
        return rows.map((r) => definitionJson(rules, r));
      },
      get: async (principal: Principal, id: string, version?: string) => {
        if (version === undefined) return definitionJson(rules, await current(principal, id));
        if (!/^[1-9]\d{0,8}$/.test(version)) {
          throw new DomainError('invalid_argument', 'version must be a positive integer', { fields: ['version'] });
        }
        const row = await this.definitions.version<D>(this.prisma, principal.tenantId, rules.kind, id, Number(version));
        if (!row) throw notFound(`${id} version ${version}`);
        return definitionJson(rules, row);
      },
      update: async (principal: Principal, id: string, body: unknown) => {
        const definition = rules.parse(body, false) as D;
        const latest = await current(principal, id);
        if (latest.retired_at) {
          throw new DomainError('conflict', `${rules.noun} ${id} is retired`, { [rules.idField]: id });
        }
        return write(principal, id, latest.version + 1, definition);
      },
      retire: async (principal: Principal, id: string) => {
        const latest = await current(principal, id);
        if (!latest.retired_at) {
          await this.definitions.retire(
            this.prisma,
            principal.tenantId,
            rules.kind,
            id,
            latest.version,
            this.clock.now(),
          );
        }
        return definitionJson(rules, await current(principal, id));
      },
    };
  }
}
