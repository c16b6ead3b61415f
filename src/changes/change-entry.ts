import { notificationJson } from '../notifications/notification';
import type { NotificationCategory } from '../notifications/notification';

export const CHANGE_KINDS = ['workflow.changed', 'notification.created'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One entry of a tenant's change stream (SPEC §17), as the event stream sends it. */
export type ChangeEntry = {
  id: number;
  tenant_id: string;
  kind: ChangeKind;
  workflow_id: string;
  /** The event's data: `{workflow_id, status, version, updated_at}`, or the notification as §8 lists it. */
  data: Record<string, unknown>;
};

/** A dg_change_stream row joined with its notification (null columns for item changes). */
export type ChangeRow = {
  id: bigint | number;
  tenant_id: string;
  kind: string;
  workflow_id: string;
  status: string | null;
  version: number | null;
  updated_at: Date | null;
  notification_id: string | null;
  category: string | null;
  channel: string | null;
  dedupe_key: string | null;
  recipient_account_id: string | null;
  recipient_role: string | null;
  message: string | null;
  payload: unknown;
  notification_created_at: Date | null;
  notification_seq: bigint | number | null;
};

export function toChangeEntry(row: ChangeRow): ChangeEntry {
  const base = { id: Number(row.id), tenant_id: row.tenant_id, workflow_id: row.workflow_id };
  if (row.kind === 'notification.created') {
    return {
      ...base,
      kind: 'notification.created',
      data: notificationJson({
        notification_id: row.notification_id as string,
        tenant_id: row.tenant_id,
        workflow_id: row.workflow_id,
        category: row.category as NotificationCategory,
        channel: row.channel as string,
        dedupe_key: row.dedupe_key as string,
        recipient_account_id: row.recipient_account_id,
        recipient_role: row.recipient_role,
        message: row.message as string,
        payload: (row.payload ?? {}) as Record<string, unknown>,
        created_at: (row.notification_created_at as Date).toISOString(),
        seq: Number(row.notification_seq),
      }),
    };
  }
  return {
    ...base,
    kind: 'workflow.changed',
    data: {
      workflow_id: row.workflow_id,
      status: row.status,
      version: row.version,
      updated_at: row.updated_at?.toISOString() ?? null,
    },
  };
}
