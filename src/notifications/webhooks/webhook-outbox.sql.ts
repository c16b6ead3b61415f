import { Prisma } from '../../generated/prisma/client';

/**
 * The transactional outbox (SPEC §8): a CTE to add to the statement that inserts notifications,
 * after a CTE named `inserted` that RETURNs the new notification rows. It writes one pending
 * delivery per new notification and enabled endpoint of the tenant whose category filter matches
 * (empty = all). Being part of the same statement, it commits or rolls back with the
 * notification, and costs no round trip, whether or not the tenant has endpoints.
 */
export function webhookOutboxCte(now: Date): Prisma.Sql {
  return Prisma.sql`webhook_outbox AS (
    INSERT INTO dg_webhook_deliveries (tenant_id, delivery_id, endpoint_id, notification_id, status, attempt_count,
      next_attempt_at, created_at, updated_at)
    SELECT n.tenant_id, 'whd_' || gen_random_uuid(), e.endpoint_id, n.notification_id, 'pending', 0, ${now}, ${now}, ${now}
    FROM inserted n
    JOIN dg_webhook_endpoints e ON e.tenant_id = n.tenant_id AND e.enabled
      AND (COALESCE(cardinality(e.categories), 0) = 0 OR n.category = ANY (e.categories))
  )`;
}
