import { Webhook } from 'standardwebhooks';

/** The body DecisionGraph posts to a webhook endpoint (README "Webhooks"). */
export type WebhookNotification = {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
};

/**
 * Verifies a DecisionGraph webhook delivery with the endpoint's `whsec_…` secret (Standard
 * Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`, timestamps within five
 * minutes) and returns its parsed body; throws when the signature or timestamp does not hold.
 * Pass the body exactly as received (the raw text, not re-serialised JSON).
 */
export function verifyWebhook(
  secret: string,
  rawBody: string | Buffer,
  headers: Record<string, string | string[] | undefined> | Headers,
): WebhookNotification {
  const plain: Record<string, string> = {};
  if (typeof (headers as Headers).forEach === 'function' && !(headers as Record<string, unknown>)['webhook-id']) {
    (headers as Headers).forEach((value, name) => (plain[name.toLowerCase()] = value));
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
      if (value !== undefined) plain[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  return new Webhook(secret).verify(body, plain) as WebhookNotification;
}
