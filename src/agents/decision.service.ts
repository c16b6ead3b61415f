import { setMaxListeners } from 'node:events';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { AccountSlots } from '../common/account-slots';
import { DomainError } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ChangeFeedService } from '../changes/change-feed.service';
import { PrismaService } from '../database/prisma.service';
import { GracefulShutdownService } from '../observability/graceful-shutdown.service';
import type { WorkflowItem } from '../workflow/workflow-item';
import { isTerminalStatus } from '../workflow/workflow-status';
import { WorkflowQueryService } from '../workflow/workflow-query.service';
import { Decision, decisionOf, isSettled } from './decision';
import { DecisionRepository } from './decision.repository';
import { Wakeup } from './wakeup';

/**
 * SPEC §17's long poll: answers as soon as the item is decided or changes are requested, or when
 * the wait is over. A waiter holds no database connection: it reads the item, then sleeps until
 * the change feed sees an entry for the item (on any replica: ChangeFeedService), reads again, and
 * so on.
 */
@Injectable()
export class DecisionService implements OnModuleDestroy {
  private readonly slots: AccountSlots;
  /** Ends every wait, with the state last read: set when the instance starts draining. */
  private readonly stopping = new AbortController();
  private readonly offDrain: () => void;

  constructor(
    private readonly prisma: PrismaService,
    private readonly items: WorkflowQueryService,
    private readonly decisions: DecisionRepository,
    private readonly feed: ChangeFeedService,
    shutdown: GracefulShutdownService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.slots = new AccountSlots(config.agents.longPollMaxWaitersPerAccount, 'waiting decision requests');
    // Every waiter listens on this one signal: a thousand is the design, not a leak.
    setMaxListeners(0, this.stopping.signal);
    this.offDrain = shutdown.onDrain(() => this.stopping.abort());
  }

  onModuleDestroy(): void {
    this.offDrain();
    this.stopping.abort();
  }

  /** The item's decision, waiting up to `waitSeconds` for one; `gone` ends the wait (the client left). */
  async decision(principal: Principal, workflowId: string, waitSeconds: number, gone?: AbortSignal): Promise<Decision> {
    const tenantId = principal.tenantId;
    let item = await this.require(tenantId, workflowId);
    if (isSettled(item) || waitSeconds === 0 || this.stopping.signal.aborted) return this.answer(item);
    const release = this.slots.acquire(principal.accountId);
    const wakeup = new Wakeup();
    const unwatch = this.feed.watchItem(tenantId, workflowId, () => wakeup.wake());
    const deadline = Date.now() + waitSeconds * 1000;
    try {
      // Read again now that the watch is on: a change between the first read and the watch is not missed.
      item = await this.require(tenantId, workflowId);
      while (!isSettled(item)) {
        const outcome = await wakeup.wait(deadline - Date.now(), [this.stopping.signal, gone]);
        if (outcome === 'aborted') return decisionOf(item, null);
        item = await this.require(tenantId, workflowId);
        if (outcome === 'timeout') break;
      }
      return await this.answer(item);
    } finally {
      unwatch();
      release();
    }
  }

  private async answer(item: WorkflowItem): Promise<Decision> {
    const db = this.prisma;
    if (item.status === 'changes_requested') {
      // current_reason is the change request's (SPEC §6.3); its action row says it as well.
      const reason =
        item.current_reason ?? (await this.decisions.changeRequestReason(db, item.tenant_id, item.workflow_id));
      return decisionOf({ ...item, current_reason: reason }, null);
    }
    const decidedBy =
      isTerminalStatus(item.status) && item.approval_event_id
        ? await this.decisions.decidedBy(db, item.tenant_id, item.approval_event_id)
        : null;
    return decisionOf(item, decidedBy);
  }

  private async require(tenantId: string, workflowId: string): Promise<WorkflowItem> {
    const item = await this.items.find(this.prisma, tenantId, workflowId);
    if (!item) throw new DomainError('not_found', `Workflow not found: ${workflowId}`);
    return item;
  }
}
