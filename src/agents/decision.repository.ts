import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';

/** The service's own producer id on the events an approve, reject or override appends. */
const WORKFLOW_PRODUCER = 'decisiongraph-workflow';

/** Who decided an item: read from the ApprovalRecorded that decided it (dg_event_log). */
@Injectable()
export class DecisionRepository {
  /**
   * The account that appended the deciding event: its recorded_by (SPEC §11.1). An event recorded
   * before recorded_by existed names the account only when the service appended it for an action
   * (its actor is the acting account); otherwise null.
   */
  async decidedBy(db: Db, tenantId: string, approvalEventId: string): Promise<string | null> {
    const event = await db.eventLog.findUnique({
      where: { tenant_id_event_id: { tenant_id: tenantId, event_id: approvalEventId } },
      select: { recorded_by: true, producer_id: true, actor: true },
    });
    if (!event) return null;
    if (event.recorded_by !== null) return event.recorded_by;
    if (event.producer_id !== WORKFLOW_PRODUCER) return null;
    const actorId = (event.actor as { actor_id?: unknown } | null)?.actor_id;
    return typeof actorId === 'string' ? actorId : null;
  }

  /** The reason of the item's latest request_change action (null when it has none). */
  async changeRequestReason(db: Db, tenantId: string, workflowId: string): Promise<string | null> {
    const action = await db.workflowAction.findFirst({
      where: { tenant_id: tenantId, workflow_id: workflowId, action_type: 'request_change' },
      orderBy: { seq: 'desc' },
      select: { payload: true, note: true },
    });
    const reason = (action?.payload as { reason?: unknown } | null)?.reason ?? action?.note;
    return typeof reason === 'string' ? reason : null;
  }
}
