import { Injectable } from '@nestjs/common';
import { ComposedWrite } from '../database/composed-write';
import { queryRows, type SqlDb } from '../database/driver-tx';
import { Prisma } from '../generated/prisma/client';
import {
  type AppendPrepareJson,
  type AppendSnapshot,
  appendSnapshotFromJson,
  eventWriteCtes,
  replayKeys,
} from '../ingestion/append.repository';
import type { StoredEvent, TraceState } from '../ingestion/stored-event';
import type { WorkflowChanges } from './workflow-changes';
import type { WorkflowItem } from './workflow-item';
import { changeParts, itemFromJson } from './workflow-item.repository';

/** A first response stored under an action's Idempotency-Key (dg_workflow_action_requests). */
export type StoredActionResponse = { request_hash: string; response: Record<string, unknown> };

/** What an action reads under its locks (dg_workflow_action_prepare). */
export type ActionSnapshot = {
  item: WorkflowItem;
  request: StoredActionResponse | undefined;
  /** For an action that may append its decision: what the append reads, and the log_seq handed to the event. */
  append?: { snapshot: AppendSnapshot; logSeq: number };
};

/** Everything one action writes, in one statement (`write`). */
export type ActionWrite = {
  /** The decision event, with its trace's state after it (an action that appends). */
  decision?: { event: StoredEvent; trace: TraceState };
  changes: WorkflowChanges;
  request?: { workflowId: string; key: string; requestHash: string; response: object };
};

type PrepareJson = {
  item: Record<string, unknown> | null;
  request?: StoredActionResponse | null;
  append?: AppendPrepareJson | null;
  log_seq?: number | string | null;
};

/**
 * A workflow action's two statements (SPEC §6.3), on Prisma or on the pg driver as the same SQL,
 * like an append's (AppendRepository): the locks and reads, then one write of everything the
 * action changes — the decision event and its trace's summary, the item, its action rows, the
 * notifications, the import's cursor and the Idempotency-Key's response.
 */
@Injectable()
export class WorkflowActionWriteRepository {
  /**
   * Takes the item's trace lock then the item's row lock (the lock order of appends) and reads the
   * item and the response stored under `requestKey`; with `decision` (the event the action would
   * append) also what an append reads and the event's log_seq. Undefined: no such item.
   */
  async prepare(
    db: SqlDb,
    tenantId: string,
    workflowId: string,
    requestKey: string | undefined,
    decision: Parameters<typeof replayKeys>[0][number] | undefined,
  ): Promise<ActionSnapshot | undefined> {
    const keys = decision ? replayKeys([decision]) : { keys: null, ids: null };
    const [row] = await queryRows<{ state: PrepareJson }>(
      db,
      'dg_workflow_action_prepare',
      Prisma.sql`SELECT dg_workflow_action_prepare(${tenantId}, ${workflowId}, ${requestKey ?? null}::text,
        ${keys.keys}::json, ${keys.ids}::json) AS state`,
    );
    const { item, request, append, log_seq: logSeq } = row.state;
    if (!item) return undefined;
    return {
      item: itemFromJson(item),
      request: request ?? undefined,
      ...(append && logSeq !== null && logSeq !== undefined
        ? { append: { snapshot: appendSnapshotFromJson(append), logSeq: Number(logSeq) } }
        : {}),
    };
  }

  /** One statement, named after its parts (each of a fixed text); nothing to write, no statement. */
  async write(db: SqlDb, tenantId: string, write: ActionWrite, now: Date): Promise<void> {
    const statement = new ComposedWrite('dg_workflow_act');
    if (write.decision)
      statement.add(['event', eventWriteCtes(tenantId, [write.decision.event], [write.decision.trace], true)]);
    statement.add(...changeParts(tenantId, write.changes, now));
    if (write.request) statement.add(['request', savedRequestCte(tenantId, write.request, now)]);
    await statement.run(db);
  }
}

function savedRequestCte(tenantId: string, request: NonNullable<ActionWrite['request']>, now: Date): Prisma.Sql {
  return Prisma.sql`saved_request AS (
    INSERT INTO dg_workflow_action_requests (tenant_id, workflow_id, idempotency_key, request_hash, response, created_at)
    VALUES (${tenantId}, ${request.workflowId}, ${request.key}, ${request.requestHash}, ${JSON.stringify(request.response)}::jsonb, ${now})
    RETURNING 1
  )`;
}
