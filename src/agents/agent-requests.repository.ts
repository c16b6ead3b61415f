import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { WorkflowItem } from '../workflow/workflow-item';
import { toItem } from '../workflow/workflow-item.repository';
import type { WorkflowStatus } from '../workflow/workflow-status';

/** The items an account requested (requested_by, SPEC §11.1), for MCP list_my_requests. */
@Injectable()
export class AgentRequestsRepository {
  /** Newest first (requested_at, then workflow_id), on the (tenant_id, requested_by, …) index. */
  async listRequestedBy(
    db: Db,
    tenantId: string,
    accountId: string,
    status: WorkflowStatus | undefined,
    limit: number,
  ): Promise<WorkflowItem[]> {
    const rows = await db.workflowItem.findMany({
      where: { tenant_id: tenantId, requested_by: accountId, ...(status ? { status } : {}) },
      orderBy: [{ requested_at: 'desc' }, { workflow_id: 'desc' }],
      take: limit,
    });
    return rows.map((row) => toItem(row as Parameters<typeof toItem>[0]));
  }
}
