import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { hasPermission, Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { DomainError } from '../common/error-codes';
import { PrismaService } from '../database/prisma.service';
import { parseLimit } from '../notifications/notifications.service';
import { modelsOf, READ_MODELS, REBUILDABLE } from './read-models';
import { type RunJson, runJson, type RunRow } from './replay-run';
import { ReplayRunnerService } from './replay-runner.service';
import type { CreateReplayDto } from './replay.dto';

type Page = { c: number; j: string };

/** The replay runs API and projection health (SPEC §16). */
@Injectable()
export class ReplaysService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly runner: ReplayRunnerService,
    private readonly clock: Clock,
  ) {}

  /** Queues a run: 403 naming the mode's permission, 400 for a rebuild of workflow_import, 409 on overlap. */
  async create(principal: Principal, body: CreateReplayDto): Promise<{ run: RunJson }> {
    const mode = body.mode ?? 'verify';
    const permission = mode === 'rebuild' ? 'projection_rebuild' : 'projection_replay';
    if (!hasPermission(principal, permission))
      throw new DomainError('forbidden', `Missing permission: ${permission}`, { permission });
    if (mode === 'rebuild' && body.projection === 'workflow_import')
      throw new DomainError('invalid_argument', 'workflow_import is verified but never rebuilt', {
        projection: body.projection,
        rebuildable: REBUILDABLE,
      });
    if (body.reason.trim() === '') throw new DomainError('invalid_argument', 'reason must be 1-500 characters');
    const tenantId = principal.tenantId;
    const jobId = `rpl_${randomUUID()}`;
    const row = await this.prisma.$transaction(async (tx) => {
      // One writer at a time per tenant decides whether a run overlaps.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('dg_replay:' || ${tenantId}, 0))`;
      const open = await tx.$queryRaw<{ job_id: string; projection_name: string; mode: string }[]>`
        SELECT job_id, projection_name, mode FROM dg_replay_runs
        WHERE tenant_id = ${tenantId} AND status IN ('queued', 'running')`;
      const wanted = new Set(body.projection === 'all' ? READ_MODELS : [body.projection]);
      const clash = open.find(
        (r) => r.projection_name === 'all' || body.projection === 'all' || wanted.has(r.projection_name),
      );
      if (clash)
        throw new DomainError('conflict', `Replay run ${clash.job_id} of ${clash.projection_name} is still open`, {
          job_id: clash.job_id,
        });
      const [created] = await tx.$queryRaw<RunRow[]>`
        INSERT INTO dg_replay_runs (tenant_id, job_id, projection_name, mode, status, reason, requested_by,
          since_log_seq, until_log_seq, created_at)
        VALUES (${tenantId}, ${jobId}, ${body.projection}, ${mode}, 'queued', ${body.reason}, ${principal.accountId},
          ${body.since_log_seq ?? null}::bigint, ${body.until_log_seq ?? null}::bigint, ${this.clock.now()})
        RETURNING *`;
      return created;
    });
    return { run: runJson(row) };
  }

  async list(principal: Principal, q: { status?: string; cursor?: string; limit?: string }) {
    const limit = parseLimit(q.limit);
    const after = q.cursor
      ? decodeCursor(q.cursor, (v): v is Page => Number.isSafeInteger(v.c) && typeof v.j === 'string')
      : undefined;
    const rows = await this.prisma.$queryRaw<RunRow[]>`
      SELECT * FROM dg_replay_runs WHERE tenant_id = ${principal.tenantId}
        AND (${q.status ?? null}::text IS NULL OR status = ${q.status ?? null})
        AND (${after ? new Date(after.c) : null}::timestamptz IS NULL
          OR (created_at, job_id) < (${after ? new Date(after.c) : null}::timestamptz, ${after?.j ?? ''}))
      ORDER BY created_at DESC, job_id DESC LIMIT ${limit + 1}`;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      runs: page.map(runJson),
      next_cursor: rows.length > limit ? encodeCursor({ c: last.created_at.getTime(), j: last.job_id }) : null,
    };
  }

  async get(principal: Principal, jobId: string): Promise<{ run: RunJson }> {
    return { run: runJson(await this.find(principal.tenantId, jobId)) };
  }

  /** Cancels a queued or running run; the worker stops at its next batch (its progress update fails). */
  async cancel(principal: Principal, jobId: string): Promise<{ run: RunJson }> {
    const [row] = await this.prisma.$queryRaw<RunRow[]>`
      UPDATE dg_replay_runs SET status = 'cancelled', finished_at = ${this.clock.now()}, lease_owner = NULL,
        lease_until = NULL
      WHERE tenant_id = ${principal.tenantId} AND job_id = ${jobId} AND status IN ('queued', 'running')
      RETURNING *`;
    if (!row) throw new DomainError('not_found', `No queued or running replay run ${jobId}`, { job_id: jobId });
    await this.runner.dropShadow(jobId);
    return { run: runJson(row) };
  }

  /**
   * Read models are written in the append transaction, so a model is at the log's last log_seq
   * unless a rebuild of it runs: then it is at that run's cursor. Digests are what runs stored.
   */
  async health(principal: Principal) {
    const tenantId = principal.tenantId;
    const [{ last }] = await this.prisma.$queryRaw<{ last: bigint | null }[]>`
      SELECT max(log_seq) AS last FROM dg_event_log WHERE tenant_id = ${tenantId}`;
    const states = await this.prisma.$queryRaw<
      {
        projection_name: string;
        digest: string | null;
        digest_log_seq: bigint | null;
        verified_at: Date | null;
        open_failures: number;
      }[]
    >`SELECT * FROM dg_projection_states WHERE tenant_id = ${tenantId}`;
    const open = await this.prisma.$queryRaw<RunRow[]>`
      SELECT * FROM dg_replay_runs WHERE tenant_id = ${tenantId} AND status IN ('queued', 'running')
      ORDER BY created_at DESC, job_id DESC`;
    const lastSeq = Number(last ?? 0n);
    return {
      tenant_id: tenantId,
      event_log_last_seq: lastSeq,
      projections: READ_MODELS.map((name) => {
        const state = states.find((s) => s.projection_name === name);
        const rebuilding = open.find(
          (r) => r.mode === 'rebuild' && r.status === 'running' && modelsOf(r.projection_name, r.mode).includes(name),
        );
        const at = rebuilding ? Math.min(lastSeq, Number(rebuilding.cursor_log_seq)) : lastSeq;
        return {
          projection_name: name,
          last_log_seq: at,
          pending_events: lastSeq - at,
          is_stale: Boolean(rebuilding),
          digest: state?.digest ?? null,
          digest_log_seq: state?.digest_log_seq === null || state === undefined ? null : Number(state.digest_log_seq),
          verified_at: state?.verified_at?.toISOString() ?? null,
          open_failures: state?.open_failures ?? 0,
        };
      }),
      open_runs: open.map(runJson),
    };
  }

  private async find(tenantId: string, jobId: string): Promise<RunRow> {
    const [row] = await this.prisma.$queryRaw<RunRow[]>`
      SELECT * FROM dg_replay_runs WHERE tenant_id = ${tenantId} AND job_id = ${jobId}`;
    if (!row) throw new DomainError('not_found', `Replay run ${jobId} not found`, { job_id: jobId });
    return row;
  }
}
