import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import type { Prisma } from '../generated/prisma/client';

export type StoredActionResponse = { request_hash: string; response: Record<string, unknown> };

/** dg_workflow_action_requests: first responses of actions sent with an Idempotency-Key. */
@Injectable()
export class WorkflowActionRequestRepository {
  async find(db: Db, tenantId: string, workflowId: string, key: string): Promise<StoredActionResponse | undefined> {
    const row = await db.workflowActionRequest.findUnique({
      where: {
        tenant_id_workflow_id_idempotency_key: { tenant_id: tenantId, workflow_id: workflowId, idempotency_key: key },
      },
    });
    return row ? { request_hash: row.request_hash, response: row.response as Record<string, unknown> } : undefined;
  }

  async save(
    db: Db,
    tenantId: string,
    workflowId: string,
    key: string,
    requestHash: string,
    response: object,
    now: Date,
  ): Promise<void> {
    await db.workflowActionRequest.create({
      data: {
        tenant_id: tenantId,
        workflow_id: workflowId,
        idempotency_key: key,
        request_hash: requestHash,
        response: response as Prisma.InputJsonObject,
        created_at: now,
      },
    });
  }
}
