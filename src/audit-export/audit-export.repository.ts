import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { Prisma } from '../generated/prisma/client';
import { toStoredEvent } from '../ingestion/event-log.repository';
import { toRecord as toNotificationRecord } from '../notifications/notification.repository';
import { toActionRecord } from '../workflow/workflow-action.repository';
import { toItem } from '../workflow/workflow-item.repository';
import type { WorkflowItem } from '../workflow/workflow-item';
import type { WorkflowStatus } from '../workflow/workflow-status';
import type { StoredEvent } from '../ingestion/stored-event';
import type { ExportHead } from './streamed-export';
import type { WorkflowExportParts } from './workflow-export';

export type ExportSelection = { from?: Date; to?: Date; status?: WorkflowStatus };

/** The reads of an audit export: items, and everything they are exported with, a page at a time. */
@Injectable()
export class AuditExportRepository {
  /**
   * Items by workflow_id after the given one. The order is by the immutable key, so an item that
   * changes while a bulk export runs is visited once (as it is when its page is read).
   */
  async pageItems(
    db: Db,
    tenantId: string,
    selection: ExportSelection,
    afterWorkflowId: string | undefined,
    limit: number,
  ): Promise<WorkflowItem[]> {
    const updatedAt: Prisma.DateTimeFilter = {
      ...(selection.from ? { gte: selection.from } : {}),
      ...(selection.to ? { lte: selection.to } : {}),
    };
    const rows = await db.workflowItem.findMany({
      where: {
        tenant_id: tenantId,
        ...(selection.from || selection.to ? { updated_at: updatedAt } : {}),
        ...(selection.status ? { status: selection.status } : {}),
        ...(afterWorkflowId !== undefined ? { workflow_id: { gt: afterWorkflowId } } : {}),
      },
      orderBy: { workflow_id: 'asc' },
      take: limit,
    });
    return rows.map(toItem);
  }

  /** Each item with all its actions and notifications (oldest first) and its trace's events. */
  async partsOf(db: Db, tenantId: string, items: WorkflowItem[]): Promise<WorkflowExportParts[]> {
    if (!items.length) return [];
    const traceIds = [...new Set(items.map((i) => i.trace_id))];
    const events = await db.eventLog.findMany({
      where: { tenant_id: tenantId, trace_id: { in: traceIds } },
      orderBy: [{ trace_id: 'asc' }, { trace_seq: 'asc' }],
    });
    const eventsOf = groupBy(events.map(toStoredEvent), (e) => e.trace_id);
    return (await this.headsOf(db, tenantId, items)).map((head) => ({
      ...head,
      events: eventsOf.get(head.item.trace_id) ?? [],
    }));
  }

  /**
   * Each item with all its actions and notifications, and the last trace_seq of its trace as this
   * snapshot sees it: the bulk export reads the events up to it later, a chunk at a time
   * (traceEventsAfter), and the log being append-only, every read gives the same events.
   */
  async headsOf(db: Db, tenantId: string, items: WorkflowItem[]): Promise<(ExportHead & { lastTraceSeq: number })[]> {
    if (!items.length) return [];
    const workflowIds = items.map((i) => i.workflow_id);
    const traceIds = [...new Set(items.map((i) => i.trace_id))];
    const actions = await db.workflowAction.findMany({
      where: { tenant_id: tenantId, workflow_id: { in: workflowIds } },
      orderBy: [{ workflow_id: 'asc' }, { seq: 'asc' }],
    });
    const notifications = await db.workflowNotification.findMany({
      where: { tenant_id: tenantId, workflow_id: { in: workflowIds } },
      orderBy: { seq: 'asc' },
    });
    const traces = await db.traceSummary.findMany({
      where: { tenant_id: tenantId, trace_id: { in: traceIds } },
      select: { trace_id: true, last_trace_seq: true },
    });
    const lastSeqOf = new Map(traces.map((t) => [t.trace_id, t.last_trace_seq]));
    const actionsOf = groupBy(actions.map(toActionRecord), (a) => a.workflow_id);
    const notificationsOf = groupBy(
      notifications.map((n) => toNotificationRecord(n)),
      (n) => n.workflow_id,
    );
    return items.map((item) => ({
      item,
      actions: actionsOf.get(item.workflow_id) ?? [],
      notifications: notificationsOf.get(item.workflow_id) ?? [],
      lastTraceSeq: lastSeqOf.get(item.trace_id) ?? -1,
    }));
  }

  /** A chunk of a trace's events: after `afterTraceSeq`, up to `throughTraceSeq`, in order. */
  async traceEventsAfter(
    db: Db,
    tenantId: string,
    traceId: string,
    range: { afterTraceSeq: number; throughTraceSeq: number },
    limit: number,
  ): Promise<StoredEvent[]> {
    const rows = await db.eventLog.findMany({
      where: {
        tenant_id: tenantId,
        trace_id: traceId,
        trace_seq: { gt: range.afterTraceSeq, lte: range.throughTraceSeq },
      },
      orderBy: { trace_seq: 'asc' },
      take: limit,
    });
    return rows.map(toStoredEvent);
  }
}

function groupBy<T>(values: T[], key: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const k = key(value);
    const group = groups.get(k);
    if (group) group.push(value);
    else groups.set(k, [value]);
  }
  return groups;
}
