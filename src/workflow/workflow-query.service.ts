import { Inject, Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { DomainError } from '../common/error-codes';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { isStorableInstant } from '../common/rfc3339';
import { DriverTransactionsService } from '../database/driver-transactions.service';
import { type Db, PrismaService } from '../database/prisma.service';
import { notificationJson } from '../notifications/notification';
import { NotificationsService, parseLimit } from '../notifications/notifications.service';
import { actionJson } from './workflow-action';
import { WorkflowActionRepository } from './workflow-action.repository';
import { InboxFilter, InboxPosition, type Voter, WorkflowInboxRepository } from './workflow-inbox.repository';
import { traceReferenceJson, WorkflowItem, workflowJson } from './workflow-item';
import { WorkflowItemRepository } from './workflow-item.repository';
import type { WorkflowNotificationQueryDto } from '../notifications/notification-query.dto';
import type { InboxQueryDto, WorkflowActionQueryDto } from './workflow-query.dto';
import { isOpenStatus } from './workflow-status';

type InboxCursor = InboxPosition & { now: number };
const DETAIL_NOTIFICATIONS = 12;
/** Actions in an item's detail, and the largest page of GET …/actions. */
const DETAIL_ACTIONS = 1000;
const DEFAULT_ACTION_PAGE = 100;

/** A branch (0/1) and a priority rank (0–3) as the page wrote them, and instants the database can hold. */
const isInboxCursor = (v: Record<string, unknown>): v is InboxCursor =>
  [0, 1].includes(v.o as number) &&
  [0, 1, 2, 3].includes(v.p as number) &&
  isStorableInstant(v.r) &&
  isStorableInstant(v.now) &&
  typeof v.w === 'string';

/** Reads of the workflow layer (SPEC §6.4): the inbox, an item's detail, its notifications. */
@Injectable()
export class WorkflowQueryService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly driver: DriverTransactionsService,
    private readonly items: WorkflowItemRepository,
    private readonly inbox: WorkflowInboxRepository,
    private readonly actions: WorkflowActionRepository,
    private readonly notificationsService: NotificationsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async listInbox(principal: Principal, query: InboxQueryDto) {
    const limit = parseLimit(query.limit, 12, 200);
    const cursor = query.cursor ? decodeCursor(query.cursor, isInboxCursor) : undefined;
    // Every page of one listing judges "overdue" at the same instant, so the order is stable.
    const now = cursor ? new Date(cursor.now) : this.clock.now();
    const filter: InboxFilter = {
      status: query.status,
      priority: query.priority,
      workflowKind: query.workflow_kind,
      assignedAccountId: query.assigned_account_id,
      assignedRole: query.assigned_role,
      traceId: query.trace_id,
      // Default true (SPEC §6.4), except that asking for a closed status asks for closed items.
      onlyOpen:
        query.only_open === undefined
          ? query.status === undefined || isOpenStatus(query.status)
          : query.only_open === 'true',
      onlyOverdue: query.only_overdue === 'true',
      awaitingApprovalOf: query.awaiting_my_approval === 'true' ? this.voter(principal) : undefined,
    };
    const { items: rows, summary } = await this.inbox.pageWithSummary(
      this.driver,
      principal.tenantId,
      filter,
      now,
      cursor,
      limit + 1,
      this.voter(principal),
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ item }) => workflowJson(item, now)),
      filters: {
        status: filter.status ?? null,
        priority: filter.priority ?? null,
        workflow_kind: filter.workflowKind ?? null,
        assigned_account_id: filter.assignedAccountId ?? null,
        assigned_role: filter.assignedRole ?? null,
        trace_id: filter.traceId ?? null,
        only_open: filter.onlyOpen,
        only_overdue: filter.onlyOverdue,
        awaiting_my_approval: filter.awaitingApprovalOf !== undefined,
        limit,
      },
      summary,
      next_cursor: rows.length > limit ? encodeCursor({ ...last.position, now: now.getTime() }) : null,
    };
  }

  /** Whose votes "awaiting my approval" looks for (SPEC §11.4); its own requests count when §11.3 lets it decide them. */
  private voter(principal: Principal): Voter {
    return { accountId: principal.accountId, excludeOwnRequests: this.config.workflow.separationOfDuties };
  }

  async detail(principal: Principal, workflowId: string) {
    const item = await this.require(principal.tenantId, workflowId);
    const now = this.clock.now();
    const [actions, notifications, notificationCount] = [
      await this.actionPage(principal.tenantId, workflowId, { afterSeq: -1, limit: DETAIL_ACTIONS }),
      await this.notificationsService.newestOfWorkflow(principal.tenantId, workflowId, DETAIL_NOTIFICATIONS),
      await this.notificationsService.countOfWorkflow(principal.tenantId, workflowId),
    ];
    return {
      workflow: workflowJson(item, now),
      actions: actions.actions,
      actions_next_cursor: actions.next_cursor,
      notifications: notifications.map(notificationJson),
      notification_count: notificationCount,
      trace_reference: traceReferenceJson(item),
      review_context: reviewContext(item),
    };
  }

  /** An item's actions oldest first, a page at a time (SPEC §15). */
  async itemActions(principal: Principal, workflowId: string, query: WorkflowActionQueryDto) {
    const limit = query.limit === undefined ? DEFAULT_ACTION_PAGE : Number(query.limit);
    if (limit < 1 || limit > DETAIL_ACTIONS)
      throw new DomainError('invalid_argument', `limit must be an integer between 1 and ${DETAIL_ACTIONS}`);
    const afterSeq =
      query.cursor === undefined
        ? -1
        : decodeCursor(query.cursor, (v): v is { after_seq: number } => Number.isSafeInteger(v.after_seq)).after_seq;
    await this.require(principal.tenantId, workflowId);
    return this.actionPage(principal.tenantId, workflowId, { afterSeq, limit });
  }

  private async actionPage(tenantId: string, workflowId: string, page: { afterSeq: number; limit: number }) {
    // One more than the page tells whether there is a next one.
    const found = await this.actions.listForItem(this.prisma, tenantId, workflowId, { ...page, limit: page.limit + 1 });
    const shown = found.slice(0, page.limit);
    const last = shown.at(-1);
    return {
      actions: shown.map(actionJson),
      next_cursor: found.length > page.limit && last ? encodeCursor({ after_seq: last.seq }) : null,
    };
  }

  async itemNotifications(principal: Principal, workflowId: string, query: WorkflowNotificationQueryDto) {
    await this.require(principal.tenantId, workflowId);
    return this.notificationsService.list(principal, { ...query, workflow_id: workflowId });
  }

  /** One item as stored, or undefined: the item read the modules above workflow use (agents, audit-export). */
  find(db: Db, tenantId: string, workflowId: string): Promise<WorkflowItem | undefined> {
    return this.items.find(db, tenantId, workflowId);
  }

  /** The items of a trace, for the trace read (SPEC §5.7). */
  async forTrace(db: Db, tenantId: string, traceId: string) {
    const now = this.clock.now();
    return (await this.items.findByTrace(db, tenantId, traceId)).map((item) => workflowJson(item, now));
  }

  private async require(tenantId: string, workflowId: string): Promise<WorkflowItem> {
    const item = await this.items.find(this.prisma, tenantId, workflowId);
    if (!item) throw new DomainError('not_found', `Workflow not found: ${workflowId}`);
    return item;
  }
}

/** Review items carry the template and simulation they were started from; exceptions have none. */
function reviewContext(item: WorkflowItem) {
  const m = item.metadata;
  if (typeof m.template_id !== 'string') return null;
  return {
    template_id: m.template_id,
    template_description: m.template_description ?? null,
    reason: m.reason ?? null,
    simulation: m.simulation ?? {},
  };
}
