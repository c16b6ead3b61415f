import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { DomainError } from '../common/error-codes';
import { type Db, PrismaService } from '../database/prisma.service';
import { NotificationCategory, NotificationDraft, notificationJson, NotificationRecord } from './notification';
import { NotificationFilter, NotificationRepository } from './notification.repository';

export type NotificationListParams = {
  category?: string;
  workflow_id?: string;
  recipient_role?: string;
  recipient_account_id?: string;
  limit?: string;
  cursor?: string;
};

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** Notification reads (SPEC §8): newest first, opaque cursor. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly notifications: NotificationRepository,
  ) {}

  /**
   * Inserts notifications outside an item's one-statement write (a failed action's failure notice,
   * a replay's mismatch), in the caller's transaction or none.
   */
  record(db: Db, tenantId: string, drafts: NotificationDraft[], now: Date): Promise<NotificationRecord[]> {
    return this.notifications.insertNew(db, tenantId, drafts, now);
  }

  /** An item's newest notifications, at most `limit` (its detail, SPEC §6.4). */
  newestOfWorkflow(tenantId: string, workflowId: string, limit: number): Promise<NotificationRecord[]> {
    return this.notifications.list(this.prisma, tenantId, { workflowId }, undefined, limit);
  }

  /** How many notifications an item has. */
  countOfWorkflow(tenantId: string, workflowId: string): Promise<number> {
    return this.notifications.count(this.prisma, tenantId, { workflowId });
  }

  async list(principal: Principal, params: NotificationListParams) {
    const limit = parseLimit(params.limit);
    const before = params.cursor
      ? decodeCursor(params.cursor, (v): v is { s: number } => Number.isSafeInteger(v.s)).s
      : undefined;
    const filter: NotificationFilter = {
      workflowId: params.workflow_id,
      category: params.category as NotificationCategory | undefined,
      recipientRole: params.recipient_role,
      recipientAccountId: params.recipient_account_id,
    };
    const rows = await this.notifications.list(this.prisma, principal.tenantId, filter, before, limit + 1);
    const page = rows.slice(0, limit);
    return {
      notifications: page.map(notificationJson),
      next_cursor: rows.length > limit ? encodeCursor({ s: page[page.length - 1].seq }) : null,
    };
  }
}

export function parseLimit(value: string | undefined, fallback = DEFAULT_LIMIT, max = MAX_LIMIT): number {
  const limit = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    throw new DomainError('invalid_argument', `limit must be an integer between 1 and ${max}`);
  return limit;
}
