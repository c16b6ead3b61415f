import { Injectable } from '@nestjs/common';
import type { Db } from '../../database/prisma.service';
import type { WebhookEndpoint } from './webhook-endpoint';

export type EndpointChanges = Partial<
  Pick<
    WebhookEndpoint,
    'url' | 'description' | 'categories' | 'enabled' | 'disabled_reason' | 'consecutive_failures' | 'failing_since'
  >
>;

export type DisabledEndpoint = { disabled_count: number; consecutive_failures: number; failing_since: Date };

/** dg_webhook_endpoints. */
@Injectable()
export class WebhookEndpointRepository {
  async insert(db: Db, endpoint: WebhookEndpoint): Promise<void> {
    await db.webhookEndpoint.create({ data: endpoint });
  }

  /**
   * Inserts the endpoint unless its tenant has `max` already; false when it has. Two creates at
   * `max - 1` must not both pass: the count and the insert run under a transaction-scoped advisory
   * lock per tenant (`db` must be a transaction), so creates of one tenant take turns and each
   * counts the rows of the ones before it.
   */
  async insertWithin(db: Db, endpoint: WebhookEndpoint, max: number): Promise<boolean> {
    await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`dg_webhook_endpoints:${endpoint.tenant_id}`}, 0))`;
    if ((await db.webhookEndpoint.count({ where: { tenant_id: endpoint.tenant_id } })) >= max) return false;
    await this.insert(db, endpoint);
    return true;
  }

  async list(db: Db, tenantId: string, limit: number): Promise<WebhookEndpoint[]> {
    return db.webhookEndpoint.findMany({
      where: { tenant_id: tenantId },
      orderBy: [{ created_at: 'asc' }, { endpoint_id: 'asc' }],
      take: limit,
    });
  }

  async find(db: Db, tenantId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    return (
      (await db.webhookEndpoint.findUnique({
        where: { tenant_id_endpoint_id: { tenant_id: tenantId, endpoint_id: endpointId } },
      })) ?? undefined
    );
  }

  /** Locks the row for the rest of the transaction (admin changes serialise per endpoint). */
  async lock(db: Db, tenantId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    const [row] = await db.$queryRaw<WebhookEndpoint[]>`
      SELECT * FROM dg_webhook_endpoints WHERE tenant_id = ${tenantId} AND endpoint_id = ${endpointId} FOR UPDATE`;
    return row;
  }

  async update(
    db: Db,
    tenantId: string,
    endpointId: string,
    changes: EndpointChanges,
    now: Date,
  ): Promise<WebhookEndpoint> {
    return db.webhookEndpoint.update({
      where: { tenant_id_endpoint_id: { tenant_id: tenantId, endpoint_id: endpointId } },
      data: { ...changes, updated_at: now },
    });
  }

  /** The new (sealed) secret; the one it replaces kept until `previous.expiresAt`, or dropped. */
  async replaceSecret(
    db: Db,
    tenantId: string,
    endpointId: string,
    secret: string,
    previous: { secret: string; expiresAt: Date } | null,
    now: Date,
  ): Promise<WebhookEndpoint> {
    return db.webhookEndpoint.update({
      where: { tenant_id_endpoint_id: { tenant_id: tenantId, endpoint_id: endpointId } },
      data: {
        secret,
        previous_secret: previous?.secret ?? null,
        previous_secret_expires_at: previous?.expiresAt ?? null,
        updated_at: now,
      },
    });
  }

  /** Deletes the endpoint with its deliveries and their attempts (foreign keys cascade). */
  async delete(db: Db, tenantId: string, endpointId: string): Promise<boolean> {
    const { count } = await db.webhookEndpoint.deleteMany({ where: { tenant_id: tenantId, endpoint_id: endpointId } });
    return count > 0;
  }

  /**
   * Disables an enabled endpoint whose last `minFailures` attempts failed, the first of them at
   * or before `failingBefore`; undefined when it does not (or no longer) qualify.
   */
  async disableIfFailing(
    db: Db,
    tenantId: string,
    endpointId: string,
    minFailures: number,
    failingBefore: Date,
    reason: string,
    now: Date,
  ): Promise<DisabledEndpoint | undefined> {
    const [row] = await db.$queryRaw<DisabledEndpoint[]>`
      UPDATE dg_webhook_endpoints
      SET enabled = false, disabled_reason = ${reason}, disabled_count = disabled_count + 1, updated_at = ${now}
      WHERE tenant_id = ${tenantId} AND endpoint_id = ${endpointId} AND enabled
        AND consecutive_failures >= ${minFailures} AND failing_since <= ${failingBefore}
      RETURNING disabled_count, consecutive_failures, failing_since`;
    return row;
  }
}
