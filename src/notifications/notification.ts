export const NOTIFICATION_CATEGORIES = [
  'assignment',
  'approval',
  'deadline_risk',
  'escalation',
  'failure',
  'changes_requested',
] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];

/** What a service asks to notify; the dedupe key makes writing it twice harmless (SPEC §8). */
export type NotificationDraft = {
  workflow_id: string;
  category: NotificationCategory;
  dedupe_key: string;
  recipient_account_id: string | null;
  recipient_role: string | null;
  message: string;
  payload: Record<string, unknown>;
};

export type NotificationRecord = NotificationDraft & {
  notification_id: string;
  tenant_id: string;
  channel: string;
  created_at: string;
  seq: number;
};

export function notificationJson(n: NotificationRecord) {
  return {
    notification_id: n.notification_id,
    tenant_id: n.tenant_id,
    workflow_id: n.workflow_id,
    category: n.category,
    channel: n.channel,
    dedupe_key: n.dedupe_key,
    recipient_account_id: n.recipient_account_id,
    recipient_role: n.recipient_role,
    message: n.message,
    payload: n.payload,
    created_at: n.created_at,
  };
}
