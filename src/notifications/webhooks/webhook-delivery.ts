import { notificationJson, NotificationRecord } from '../notification';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The response body kept per attempt. */
export const RESPONSE_BODY_LIMIT_BYTES = 2048;

export type WebhookDelivery = {
  tenant_id: string;
  delivery_id: string;
  endpoint_id: string;
  notification_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date | null;
  first_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_response_status: number | null;
  created_at: Date;
  updated_at: Date;
};

export type WebhookAttempt = {
  tenant_id: string;
  delivery_id: string;
  attempt_number: number;
  started_at: Date;
  duration_ms: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
};

/** A delivery the worker claimed, with what it needs to send it. */
export type ClaimedDelivery = {
  tenant_id: string;
  delivery_id: string;
  endpoint_id: string;
  /** This attempt's number (1-based). */
  attempt_number: number;
  first_attempt_at: Date;
  url: string;
  /** As stored: sealed (SPEC §15), opened just before signing. */
  secret: string;
  /** The secret before a rotation, while its overlap lasts (else null). */
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  notification: NotificationRecord;
};

/**
 * The request body: the notification exactly as `GET /api/v1/notifications` shows it, in the
 * Standard Webhooks envelope. `timestamp` is when the notification was written, so every attempt
 * of a delivery sends the same bytes (the signing time is in the webhook-timestamp header).
 */
export function webhookBody(n: NotificationRecord): string {
  return JSON.stringify({
    type: `workflow.notification.${n.category}`,
    timestamp: n.created_at,
    data: notificationJson(n),
  });
}

export function deliveryJson(d: WebhookDelivery, attempts: WebhookAttempt[]) {
  const iso = (t: Date | null) => t?.toISOString() ?? null;
  return {
    delivery_id: d.delivery_id,
    endpoint_id: d.endpoint_id,
    notification_id: d.notification_id,
    status: d.status,
    attempt_count: d.attempt_count,
    next_attempt_at: d.status === 'pending' ? iso(d.next_attempt_at) : null,
    first_attempt_at: iso(d.first_attempt_at),
    last_attempt_at: iso(d.last_attempt_at),
    last_response_status: d.last_response_status,
    created_at: d.created_at.toISOString(),
    attempts: attempts.map((a) => ({
      attempt_number: a.attempt_number,
      started_at: a.started_at.toISOString(),
      duration_ms: a.duration_ms,
      response_status: a.response_status,
      response_body: a.response_body,
      error: a.error,
    })),
  };
}
