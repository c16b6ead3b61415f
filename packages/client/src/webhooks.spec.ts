import { Webhook } from 'standardwebhooks';
import { verifyWebhook } from './webhooks';

const SECRET = `whsec_${Buffer.from('a-test-secret-of-enough-length!!').toString('base64')}`;

function signed(body: string, at = new Date()) {
  const id = 'whd_123';
  const signature = new Webhook(SECRET).sign(id, at, body);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

describe(verifyWebhook.name, () => {
  const body = JSON.stringify({
    type: 'workflow.notification.approval',
    timestamp: '2026-12-07T12:00:00.000Z',
    data: { workflow_id: 't:exception:1' },
  });

  it('returns the parsed body of a delivery signed with the secret (plain headers or Headers)', () => {
    expect(verifyWebhook(SECRET, body, signed(body)).data).toEqual({ workflow_id: 't:exception:1' });
    expect(verifyWebhook(SECRET, Buffer.from(body), new Headers(signed(body))).type).toBe(
      'workflow.notification.approval',
    );
  });

  it('throws for a changed body, another secret, or an old timestamp', () => {
    expect(() => verifyWebhook(SECRET, body.replace('approval', 'failure'), signed(body))).toThrow();
    const other = `whsec_${Buffer.from('another-secret-of-enough-length!').toString('base64')}`;
    expect(() => verifyWebhook(other, body, signed(body))).toThrow();
    expect(() => verifyWebhook(SECRET, body, signed(body, new Date(Date.now() - 3_600_000)))).toThrow();
  });
});
