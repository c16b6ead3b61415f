import { Injectable } from '@nestjs/common';
import type { Db } from '../database/prisma.service';
import { Prisma } from '../generated/prisma/client';
import { type ChangeEntry, type ChangeRow, toChangeEntry } from './change-entry';

/** What one read under one snapshot saw: the entries, and the transactions running at that moment. */
export type ChangeBatch = { ids: number[]; entries: ChangeEntry[]; runningXids: string[] };

/**
 * dg_change_stream, written only by the triggers of migration 20261207122627_change_stream.
 * Notifications are joined at read time (an entry stores only their seq); an entry whose
 * notification is gone (a tenant purged) is skipped.
 */
@Injectable()
export class ChangeStreamRepository {
  /**
   * Every tenant's entries after `afterId` (up to `limit`), with the transactions running under the
   * same snapshot: an id missing below the last one read belongs to one of those, or was rolled back.
   */
  async readAfter(db: Db, afterId: number, limit: number): Promise<ChangeBatch> {
    type Row = ChangeRow & { snapshot: string };
    const rows = await db.$queryRaw<Row[]>`
      WITH r AS (${selectEntries(Prisma.sql`s.id > ${afterId}`)} ORDER BY s.id LIMIT ${limit})
      SELECT pg_current_snapshot()::text AS snapshot, r.* FROM (VALUES (1)) AS one(x) LEFT JOIN r ON true ORDER BY r.id`;
    const present = rows.filter((r) => r.id !== null);
    return {
      ids: present.map((r) => Number(r.id)),
      runningXids: xipOf(rows[0].snapshot),
      entries: present.filter((r) => !skipped(r)).map(toChangeEntry),
    };
  }

  /** The ids present (and the entries) in (afterId, upToId], every tenant's. */
  async readRange(
    db: Db,
    afterId: number,
    upToId: number,
    limit: number,
  ): Promise<{ ids: number[]; entries: ChangeEntry[] }> {
    const rows = await db.$queryRaw<ChangeRow[]>`
      ${selectEntries(Prisma.sql`s.id > ${afterId} AND s.id <= ${upToId}`)} ORDER BY s.id LIMIT ${limit}`;
    return { ids: rows.map((r) => Number(r.id)), entries: rows.filter((r) => !skipped(r)).map(toChangeEntry) };
  }

  /** The entries of these ids that are there now (every tenant's), and the ids found. */
  async readIds(db: Db, ids: number[]): Promise<{ ids: number[]; entries: ChangeEntry[] }> {
    const rows = await db.$queryRaw<ChangeRow[]>`
      ${selectEntries(Prisma.sql`s.id = ANY(${ids}::bigint[])`)} ORDER BY s.id`;
    return { ids: rows.map((r) => Number(r.id)), entries: rows.filter((r) => !skipped(r)).map(toChangeEntry) };
  }

  /** One tenant's entries in (afterId, upToId], oldest first: a Last-Event-ID resume. */
  async readTenant(db: Db, tenantId: string, afterId: number, upToId: number, limit: number): Promise<ChangeEntry[]> {
    const rows = await db.$queryRaw<ChangeRow[]>`
      ${selectEntries(Prisma.sql`s.tenant_id = ${tenantId} AND s.id > ${afterId} AND s.id <= ${upToId}`)}
      ORDER BY s.id LIMIT ${limit}`;
    return rows.filter((r) => !skipped(r)).map(toChangeEntry);
  }

  /**
   * The newest id when every id in (afterId, newest] is there (all of them committed, so final),
   * else undefined: one index-only count where reading the entries would page through them all.
   */
  async completeHead(db: Db, afterId: number): Promise<number | undefined> {
    const [row] = await db.$queryRaw<{ present: bigint; last_id: bigint | null }[]>`
      SELECT count(*) AS present, max(id) AS last_id FROM dg_change_stream WHERE id > ${afterId}`;
    const last = Number(row.last_id ?? afterId);
    return Number(row.present) === last - afterId ? last : undefined;
  }

  /** The newest id (0 when empty) and the transactions running under the same snapshot. */
  async head(db: Db): Promise<{ lastId: number; runningXids: string[] }> {
    const [row] = await db.$queryRaw<{ last_id: bigint | null; snapshot: string }[]>`
      SELECT (SELECT max(id) FROM dg_change_stream) AS last_id, pg_current_snapshot()::text AS snapshot`;
    return { lastId: Number(row.last_id ?? 0), runningXids: xipOf(row.snapshot) };
  }

  /** How many of these transactions are still running. */
  async countRunning(db: Db, xids: string[]): Promise<number> {
    if (!xids.length) return 0;
    const [row] = await db.$queryRaw<{ running: number }[]>`
      SELECT count(*)::int AS running FROM unnest(${xids}::text[]) AS x(id) WHERE pg_xact_status(x.id::xid8) = 'in progress'`;
    return row.running;
  }

  /**
   * Deletes up to `batch` of the oldest entries created before `before`; returns how many. It walks
   * the primary key from its start, so its cost follows the rows it deletes.
   */
  async pruneOldest(db: Db, before: Date, batch: number): Promise<number> {
    return db.$executeRaw`
      DELETE FROM dg_change_stream WHERE id IN (
        SELECT id FROM (SELECT id, created_at FROM dg_change_stream ORDER BY id LIMIT ${batch}) AS oldest
        WHERE created_at < ${before})`;
  }
}

/**
 * The notification is looked up per entry (a LATERAL probe of its (tenant_id, seq) index, kept
 * from being flattened into a join by its LIMIT): as a plain join, the generic plan of this
 * prepared statement hashed the whole notifications table on every read (5–8 ms at 4,000
 * notifications, growing with the table), once per workflow change (bench/README.md, "Workflow").
 */
function selectEntries(where: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT s.id, s.tenant_id, s.kind, s.workflow_id, s.status, s.version, s.updated_at, s.notification_seq,
      n.notification_id, n.category, n.channel, n.dedupe_key, n.recipient_account_id, n.recipient_role, n.message,
      n.payload, n.created_at AS notification_created_at
    FROM dg_change_stream s
    LEFT JOIN LATERAL (
      SELECT notification_id, category, channel, dedupe_key, recipient_account_id, recipient_role, message, payload,
        created_at
      FROM dg_workflow_notifications
      WHERE tenant_id = s.tenant_id AND seq = s.notification_seq
      LIMIT 1
    ) n ON true
    WHERE ${where}`;
}

const skipped = (row: ChangeRow) => row.kind === 'notification.created' && row.notification_id === null;

/** The running transaction ids of a snapshot's text form `xmin:xmax:xip1,xip2,…`. */
export function xipOf(snapshot: string): string[] {
  const xip = snapshot.split(':')[2] ?? '';
  return xip ? xip.split(',') : [];
}
