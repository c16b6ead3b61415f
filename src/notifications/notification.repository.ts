import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import type { NotificationCategory, NotificationDraft, NotificationRecord } from './notification';
import { webhookOutboxCte } from './webhooks/webhook-outbox.sql';

export type NotificationFilter = {
  workflowId?: string;
  category?: NotificationCategory;
  recipientRole?: string;
  recipientAccountId?: string;
};

const CHANNEL = 'operator_console';

/**
 * The CTEs `inserted` (the new notifications; a repeated dedupe key is skipped) and, through the
 * webhook outbox, their deliveries: for a statement that writes more than notifications
 * (WorkflowItemRepository.saveChanges) as well as for insertNew.
 */
export function newNotificationsCte(tenantId: string, drafts: NotificationDraft[], now: Date): Prisma.Sql {
  const rows = JSON.stringify(drafts.map((d) => ({ ...d, notification_id: `wfn:${randomUUID()}` })));
  return Prisma.sql`inserted AS (
      INSERT INTO dg_workflow_notifications (tenant_id, notification_id, workflow_id, category, channel, dedupe_key,
        recipient_account_id, recipient_role, message, payload, created_at)
      SELECT ${tenantId}, notification_id, workflow_id, category, ${CHANNEL}, dedupe_key, recipient_account_id,
        recipient_role, message, payload, ${now}
      FROM json_to_recordset(${rows}::json) AS x(notification_id text, workflow_id text, category text, dedupe_key text,
        recipient_account_id text, recipient_role text, message text, payload jsonb)
      ON CONFLICT (tenant_id, dedupe_key) DO NOTHING
      RETURNING *
    ), ${webhookOutboxCte(now)}`;
}

/** dg_workflow_notifications, deduplicated by (tenant_id, dedupe_key). */
@Injectable()
export class NotificationRepository {
  /**
   * Writes the notifications that are new and queues their webhook deliveries; returns the new
   * notifications (a repeated dedupe key is skipped).
   */
  async insertNew(db: Db, tenantId: string, drafts: NotificationDraft[], now: Date): Promise<NotificationRecord[]> {
    if (!drafts.length) return [];
    const inserted = await db.$queryRaw<
      (Omit<NotificationRecord, 'seq' | 'created_at'> & { seq: bigint; created_at: Date })[]
    >`
      WITH ${newNotificationsCte(tenantId, drafts, now)}
      SELECT * FROM inserted`;
    return inserted.map(toRecord);
  }

  /** Newest first, strictly older than the cursor's seq. */
  async list(
    db: Db,
    tenantId: string,
    filter: NotificationFilter,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<NotificationRecord[]> {
    const rows = await db.workflowNotification.findMany({
      where: { ...whereOf(tenantId, filter), ...(beforeSeq !== undefined ? { seq: { lt: BigInt(beforeSeq) } } : {}) },
      orderBy: { seq: 'desc' },
      take: limit,
    });
    return rows.map((r) => toRecord(r as Parameters<typeof toRecord>[0]));
  }

  async count(db: Db, tenantId: string, filter: NotificationFilter = {}): Promise<number> {
    return db.workflowNotification.count({ where: whereOf(tenantId, filter) });
  }
}

function whereOf(tenantId: string, f: NotificationFilter): Prisma.WorkflowNotificationWhereInput {
  return {
    tenant_id: tenantId,
    ...(f.workflowId ? { workflow_id: f.workflowId } : {}),
    ...(f.category ? { category: f.category } : {}),
    ...(f.recipientRole ? { recipient_role: f.recipientRole } : {}),
    ...(f.recipientAccountId ? { recipient_account_id: f.recipientAccountId } : {}),
  };
}

export function toRecord(
  row: Omit<NotificationRecord, 'seq' | 'created_at' | 'category' | 'payload'> & {
    seq: bigint;
    created_at: Date;
    category: string;
    payload: unknown;
  },
): NotificationRecord {
  return {
    ...row,
    category: row.category as NotificationCategory,
    payload: row.payload as Record<string, unknown>,
    seq: Number(row.seq),
    created_at: row.created_at.toISOString(),
  };
}
