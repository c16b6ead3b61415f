import { randomBytes, randomUUID } from 'node:crypto';
import type { NotificationDraft } from '../notification';

/** A tenant's webhook endpoint as stored (dg_webhook_endpoints). */
export type WebhookEndpoint = {
  tenant_id: string;
  endpoint_id: string;
  url: string;
  description: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  enabled: boolean;
  disabled_reason: string | null;
  categories: string[];
  consecutive_failures: number;
  failing_since: Date | null;
  disabled_count: number;
  created_at: Date;
  updated_at: Date;
};

export const newEndpointId = () => `whe_${randomUUID()}`;

/** Longest overlap of a secret rotation: both signatures are sent for at most this long. */
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3600;
/** The overlap when the rotation names none: a day, long enough to roll the new secret out to receivers. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes (the spec asks 24–64). */
export const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The endpoint as the API shows it: never the secret, which is shown once, at creation. */
export function endpointJson(e: WebhookEndpoint) {
  return {
    endpoint_id: e.endpoint_id,
    url: e.url,
    description: e.description,
    categories: e.categories,
    enabled: e.enabled,
    disabled_reason: e.disabled_reason,
    consecutive_failures: e.consecutive_failures,
    failing_since: e.failing_since?.toISOString() ?? null,
    previous_secret_expires_at: e.previous_secret_expires_at?.toISOString() ?? null,
    created_at: e.created_at.toISOString(),
    updated_at: e.updated_at.toISOString(),
  };
}

/**
 * The `failure` notification written when an endpoint is disabled automatically. It has no
 * workflow item; its workflow_id is `webhook:<endpoint_id>`. `n` counts the endpoint's automatic
 * disablings, so one that is re-enabled and fails again is notified again.
 */
export function endpointDisabledNotice(
  endpointId: string,
  n: number,
  consecutiveFailures: number,
  failingSince: Date,
): NotificationDraft {
  return {
    workflow_id: `webhook:${endpointId}`,
    category: 'failure',
    dedupe_key: `failure:webhook:${endpointId}:disabled:${n}`,
    recipient_account_id: null,
    recipient_role: 'admin',
    message: `Webhook endpoint ${endpointId} disabled after ${consecutiveFailures} consecutive failed attempts`,
    payload: {
      endpoint_id: endpointId,
      consecutive_failures: consecutiveFailures,
      failing_since: failingSince.toISOString(),
      disabled_count: n,
    },
  };
}
