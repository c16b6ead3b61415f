import { Injectable } from '@nestjs/common';
import type { Db } from '../../database/prisma.service';
import { Prisma } from '../../generated/prisma/client';
import { toRecord } from '../notification.repository';
import type { ClaimedDelivery, DeliveryStatus, WebhookAttempt, WebhookDelivery } from './webhook-delivery';

export type AttemptResult = Omit<WebhookAttempt, 'tenant_id' | 'delivery_id' | 'attempt_number'>;

/** What a failed attempt left on its endpoint. */
export type EndpointFailureState = { enabled: boolean; consecutive_failures: number; failing_since: Date };

export type DeliveryPageCursor = { createdAt: Date; deliveryId: string };

type ClaimRow = Omit<ClaimedDelivery, 'notification'> & Parameters<typeof toRecord>[0];

/** dg_webhook_deliveries and dg_webhook_attempts: the outbox and its attempt history. */
@Injectable()
export class WebhookDeliveryRepository {
  /**
   * Claims up to `limit` due deliveries in one statement (its own short transaction): each gets
   * the next attempt number and `next_attempt_at = leaseUntil`, so that another worker skips it
   * (SKIP LOCKED) and takes it again only if this one dies mid-attempt. Due deliveries of a
   * disabled endpoint are parked instead (next_attempt_at = NULL) and not returned; enabling the
   * endpoint resumes them.
   *
   * Fair across tenants (SPEC §15): each tenant with an endpoint offers its `limit` oldest due
   * deliveries (one index probe per tenant, LATERAL), and the batch takes them round robin: every
   * tenant's oldest first, then every tenant's second, … (ties by due time). A tenant with a huge
   * backlog gets one turn per round like any other, so it cannot starve the rest.
   */
  async claimDue(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    const rows = await db.$queryRaw<ClaimRow[]>`
      WITH offered AS (
        SELECT o.tenant_id, o.delivery_id, o.endpoint_id, o.next_attempt_at,
          row_number() OVER (PARTITION BY o.tenant_id ORDER BY o.next_attempt_at, o.delivery_id) AS turn
        FROM (SELECT DISTINCT tenant_id FROM dg_webhook_endpoints) t
        CROSS JOIN LATERAL (
          SELECT d.tenant_id, d.delivery_id, d.endpoint_id, d.next_attempt_at
          FROM dg_webhook_deliveries d
          WHERE d.tenant_id = t.tenant_id AND d.status = 'pending' AND d.next_attempt_at <= ${now}::timestamptz
          ORDER BY d.next_attempt_at, d.delivery_id
          LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED
        ) o
      ), due AS (
        SELECT o.tenant_id, o.delivery_id, e.enabled
        FROM offered o
        JOIN dg_webhook_endpoints e ON e.tenant_id = o.tenant_id AND e.endpoint_id = o.endpoint_id
        ORDER BY o.turn, o.next_attempt_at, o.tenant_id
        LIMIT ${limit}
      ), claimed AS (
        UPDATE dg_webhook_deliveries d
        SET next_attempt_at = CASE WHEN due.enabled THEN ${leaseUntil}::timestamptz END,
            attempt_count = d.attempt_count + CASE WHEN due.enabled THEN 1 ELSE 0 END,
            first_attempt_at = CASE WHEN due.enabled THEN COALESCE(d.first_attempt_at, ${now}::timestamptz) ELSE d.first_attempt_at END,
            updated_at = ${now}::timestamptz
        FROM due
        WHERE d.tenant_id = due.tenant_id AND d.delivery_id = due.delivery_id
        RETURNING d.tenant_id, d.delivery_id, d.endpoint_id, d.notification_id, d.attempt_count, d.first_attempt_at, due.enabled
      )
      SELECT c.delivery_id, c.endpoint_id, c.attempt_count AS attempt_number, c.first_attempt_at, e.url, e.secret,
        e.previous_secret, e.previous_secret_expires_at,
        n.seq, n.tenant_id, n.notification_id, n.workflow_id, n.category, n.channel, n.dedupe_key, n.recipient_account_id,
        n.recipient_role, n.message, n.payload, n.created_at
      FROM claimed c
      JOIN dg_webhook_endpoints e ON e.tenant_id = c.tenant_id AND e.endpoint_id = c.endpoint_id
      JOIN dg_workflow_notifications n ON n.tenant_id = c.tenant_id AND n.notification_id = c.notification_id
      WHERE c.enabled`;
    return rows.map((r) => ({
      tenant_id: r.tenant_id,
      delivery_id: r.delivery_id,
      endpoint_id: r.endpoint_id,
      attempt_number: r.attempt_number,
      first_attempt_at: r.first_attempt_at,
      url: r.url,
      secret: r.secret,
      previous_secret: r.previous_secret,
      previous_secret_expires_at: r.previous_secret_expires_at,
      notification: toRecord(r),
    }));
  }

  /** Gives back claims that were never attempted (shutdown): due now, attempt numbers restored. */
  async release(db: Db, claims: ClaimedDelivery[], now: Date): Promise<void> {
    const rows = JSON.stringify(
      claims.map((c) => ({ tenant_id: c.tenant_id, delivery_id: c.delivery_id, attempt_number: c.attempt_number })),
    );
    await db.$executeRaw`
      UPDATE dg_webhook_deliveries d
      SET next_attempt_at = ${now}::timestamptz, attempt_count = d.attempt_count - 1,
        first_attempt_at = CASE WHEN d.attempt_count = 1 THEN NULL ELSE d.first_attempt_at END, updated_at = ${now}::timestamptz
      FROM json_to_recordset(${rows}::json) AS r(tenant_id text, delivery_id text, attempt_number int)
      WHERE d.tenant_id = r.tenant_id AND d.delivery_id = r.delivery_id AND d.attempt_count = r.attempt_number AND d.status = 'pending'`;
  }

  /** Records a successful attempt: the attempt row, the delivery succeeded, the endpoint's failure streak reset. */
  async recordSuccess(db: Db, claim: ClaimedDelivery, result: AttemptResult, now: Date): Promise<void> {
    await db.$executeRaw`
      WITH attempt AS (${insertAttempt(claim, result)}),
      delivery AS (
        UPDATE dg_webhook_deliveries
        SET status = 'succeeded', next_attempt_at = NULL, last_attempt_at = ${result.started_at}::timestamptz,
          last_response_status = ${result.response_status}::int, updated_at = ${now}::timestamptz
        WHERE ${sameAttempt(claim)}
      )
      UPDATE dg_webhook_endpoints SET consecutive_failures = 0, failing_since = NULL
      WHERE tenant_id = ${claim.tenant_id} AND endpoint_id = ${claim.endpoint_id} AND consecutive_failures > 0`;
  }

  /**
   * Records a failed attempt: the attempt row; the delivery due again at `nextAttemptAt`, or
   * failed when that is null; one more failure in the endpoint's streak, which is returned.
   */
  async recordFailure(
    db: Db,
    claim: ClaimedDelivery,
    result: AttemptResult,
    nextAttemptAt: Date | null,
    now: Date,
  ): Promise<EndpointFailureState | undefined> {
    const status: DeliveryStatus = nextAttemptAt ? 'pending' : 'failed';
    const [endpoint] = await db.$queryRaw<EndpointFailureState[]>`
      WITH attempt AS (${insertAttempt(claim, result)}),
      delivery AS (
        UPDATE dg_webhook_deliveries
        SET status = ${status}, next_attempt_at = ${nextAttemptAt}::timestamptz, last_attempt_at = ${result.started_at}::timestamptz,
          last_response_status = ${result.response_status}::int, updated_at = ${now}::timestamptz
        WHERE ${sameAttempt(claim)}
      )
      UPDATE dg_webhook_endpoints
      SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, ${result.started_at}::timestamptz)
      WHERE tenant_id = ${claim.tenant_id} AND endpoint_id = ${claim.endpoint_id}
      RETURNING enabled, consecutive_failures, failing_since`;
    return endpoint;
  }

  /** An endpoint's deliveries, newest first, strictly after the cursor. */
  async listForEndpoint(
    db: Db,
    tenantId: string,
    endpointId: string,
    status: DeliveryStatus | undefined,
    after: DeliveryPageCursor | undefined,
    limit: number,
  ): Promise<WebhookDelivery[]> {
    const rows = await db.webhookDelivery.findMany({
      where: {
        tenant_id: tenantId,
        endpoint_id: endpointId,
        ...(status ? { status } : {}),
        ...(after
          ? {
              OR: [
                { created_at: { lt: after.createdAt } },
                { created_at: after.createdAt, delivery_id: { lt: after.deliveryId } },
              ],
            }
          : {}),
      },
      orderBy: [{ created_at: 'desc' }, { delivery_id: 'desc' }],
      take: limit,
    });
    return rows as WebhookDelivery[];
  }

  async attemptsOf(db: Db, tenantId: string, deliveryIds: string[]): Promise<WebhookAttempt[]> {
    if (!deliveryIds.length) return [];
    return db.webhookAttempt.findMany({
      where: { tenant_id: tenantId, delivery_id: { in: deliveryIds } },
      orderBy: [{ delivery_id: 'asc' }, { attempt_number: 'asc' }],
    });
  }

  /**
   * Back to pending, due now, with a new retry window, unless an attempt is in flight: claimed
   * (attempt_count raised, next_attempt_at = the lease, not yet over) and not yet recorded (no
   * attempt row with that number). Sending it again then would be a second, concurrent send of
   * the same delivery. One conditional UPDATE, so a claim cannot slip between check and write:
   * against a concurrent claim it waits for the row lock and re-checks the claimed row.
   * Undefined when the endpoint has no such delivery or it is in flight.
   */
  async redeliver(
    db: Db,
    tenantId: string,
    endpointId: string,
    deliveryId: string,
    now: Date,
  ): Promise<WebhookDelivery | undefined> {
    const [row] = await db.$queryRaw<WebhookDelivery[]>`
      UPDATE dg_webhook_deliveries d
      SET status = 'pending', next_attempt_at = ${now}::timestamptz, first_attempt_at = NULL, updated_at = ${now}::timestamptz
      WHERE d.tenant_id = ${tenantId} AND d.endpoint_id = ${endpointId} AND d.delivery_id = ${deliveryId}
        AND NOT (${inFlight(now)})
      RETURNING d.*`;
    return row;
  }

  /** Whether the endpoint has this delivery with an attempt in flight (to say why a redelivery was refused). */
  async isInFlight(db: Db, tenantId: string, endpointId: string, deliveryId: string, now: Date): Promise<boolean> {
    const [row] = await db.$queryRaw<{ in_flight: boolean }[]>`
      SELECT (${inFlight(now)}) AS in_flight FROM dg_webhook_deliveries d
      WHERE d.tenant_id = ${tenantId} AND d.endpoint_id = ${endpointId} AND d.delivery_id = ${deliveryId}`;
    return row?.in_flight === true;
  }

  /** Makes the deliveries parked while the endpoint was disabled due now, each with a new retry window. */
  async resumeParked(db: Db, tenantId: string, endpointId: string, now: Date): Promise<number> {
    return db.$executeRaw`
      UPDATE dg_webhook_deliveries
      SET next_attempt_at = ${now}::timestamptz, first_attempt_at = NULL, updated_at = ${now}::timestamptz
      WHERE tenant_id = ${tenantId} AND endpoint_id = ${endpointId} AND status = 'pending' AND next_attempt_at IS NULL`;
  }
}

/** The attempt row; nothing when the delivery is gone (its endpoint was deleted mid-attempt). */
function insertAttempt(claim: ClaimedDelivery, r: AttemptResult): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO dg_webhook_attempts (tenant_id, delivery_id, attempt_number, started_at, duration_ms, response_status, response_body, error)
    SELECT tenant_id, delivery_id, ${claim.attempt_number}::int, ${r.started_at}::timestamptz, ${r.duration_ms}::int,
      ${r.response_status}::int, ${r.response_body}, ${r.error}
    FROM dg_webhook_deliveries WHERE tenant_id = ${claim.tenant_id} AND delivery_id = ${claim.delivery_id}
    ON CONFLICT DO NOTHING`;
}

/**
 * Delivery `d` has an attempt in flight: claimed under a lease that has not run out, its attempt
 * not yet recorded. (A failed attempt also leaves it pending with next_attempt_at ahead, but with
 * its attempt row; a dead worker's claim is free again once the lease is over.)
 */
function inFlight(now: Date): Prisma.Sql {
  return Prisma.sql`d.status = 'pending' AND d.attempt_count > 0 AND d.next_attempt_at > ${now}::timestamptz
    AND NOT EXISTS (SELECT 1 FROM dg_webhook_attempts a
      WHERE a.tenant_id = d.tenant_id AND a.delivery_id = d.delivery_id AND a.attempt_number = d.attempt_count)`;
}

/** Only the claim that owns the current attempt number may settle the delivery (a stale lease may not). */
function sameAttempt(claim: ClaimedDelivery): Prisma.Sql {
  return Prisma.sql`tenant_id = ${claim.tenant_id} AND delivery_id = ${claim.delivery_id}
    AND attempt_count = ${claim.attempt_number} AND status = 'pending'`;
}
