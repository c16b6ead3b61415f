import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { type Db, PrismaService } from '../database/prisma.service';
import { withTransactionRetry } from '../database/transaction-retry';
import { NotificationsService } from '../notifications/notifications.service';
import { FEED_LOCK_CLASS } from '../ingestion/event-log.repository';
import { combinedDigest } from './projection-digest';
import type { FoldEvent, KeyedRow, LogFold } from './projection-folds';
import {
  COUNTS_COMPACT_LOCK_CLASS,
  deleteExtrasSql,
  FOLDS,
  liveKeysAboveSql,
  modelsOf,
  type ReadModelName,
} from './read-models';
import {
  ALONE,
  applyShadow,
  compareModel,
  type Found,
  isPaged,
  type ModelResult,
  replaceModel,
  shadowDigest,
} from './replay-models';
import { MAX_STORED_MISMATCHES, type Mismatch, type RunRow } from './replay-run';

const TX = { maxWait: 30_000, timeout: 600_000 };

/** Thrown when the run is no longer this instance's to run (cancelled, or its lease was taken). */
class LostRun extends Error {}

/**
 * Executes replay runs (SPEC §16). A run is claimed with FOR UPDATE SKIP LOCKED and held by a
 * lease that every batch renews, so one instance runs it; a run whose instance stopped is taken
 * up again from its stored cursor once the lease expires, and fails after `maxAttempts`.
 *
 * Method (docs/decisions/0005-replay-runs.md): a run first takes a barrier — the tenant's feed key
 * exclusively, which waits for the tenant's appends in flight and is released at once — and reads
 * the tenant's last log_seq, the horizon: every event at or below it is committed. It folds the log up
 * to the horizon into the run's shadow rows, one keyset page per batch. A verify then compares
 * the shadow with the live rows (skipping rows written above the horizon, which appends made
 * meanwhile). A catch_up takes the feed key again, folds the events appended since and writes
 * the shadow into the live table in that transaction, so it ends equal to the log. A rebuild
 * writes the rows up to the horizon first, outside the feed key, and under it only the keys the
 * events since can have changed (finishRebuild).
 */
@Injectable()
export class ReplayRunnerService {
  private readonly logger = new Logger(ReplayRunnerService.name);
  readonly instanceId = `replay-${randomUUID()}`;
  /**
   * Test seam: awaited by a rebuild once it has written the rows up to its horizon, before it
   * takes the tenant's feed key for the tail (finishRebuild).
   */
  afterHorizonWrite: (run: RunRow) => Promise<void> = async () => undefined;

  constructor(
    private readonly prisma: PrismaService,
    private readonly notifications: NotificationsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Claims runs and runs them until none is due; `maxBatches` stops after that many batches of
   * one run, leaving it `running` under this instance's lease (tests of a stop mid-run).
   */
  async drain(owner = this.instanceId, maxBatches = Infinity): Promise<number> {
    let done = 0;
    for (;;) {
      const run = await this.claim(owner);
      if (!run) return done;
      done++;
      const finished = await this.execute(run, owner, maxBatches);
      if (!finished) return done;
    }
  }

  /** Runs one run now, in this process (the CLI): claims it if it is due, then runs it to its end. */
  async runOne(tenantId: string, jobId: string, owner = this.instanceId): Promise<void> {
    const run = await this.claim(owner, { tenantId, jobId });
    if (run) await this.execute(run, owner, Infinity);
  }

  private async claim(owner: string, only?: { tenantId: string; jobId: string }): Promise<RunRow | undefined> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.config.replay.leaseSeconds * 1000);
    const [run] = await this.prisma.$queryRaw<RunRow[]>`
      UPDATE dg_replay_runs r SET status = 'running', lease_owner = ${owner}, lease_until = ${leaseUntil},
        attempts = r.attempts + 1, started_at = coalesce(r.started_at, ${now})
      FROM (SELECT tenant_id, job_id FROM dg_replay_runs
        WHERE (status = 'queued' OR (status = 'running' AND lease_until < ${now}))
          AND (${only?.jobId ?? null}::text IS NULL OR (tenant_id = ${only?.tenantId ?? ''} AND job_id = ${only?.jobId ?? ''}))
        ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) AS due
      WHERE r.tenant_id = due.tenant_id AND r.job_id = due.job_id
      RETURNING r.*`;
    return run;
  }

  /** Runs a claimed run to its end; false when it stopped early (maxBatches) or was lost. */
  private async execute(run: RunRow, owner: string, maxBatches: number): Promise<boolean> {
    try {
      if (run.attempts > this.config.replay.maxAttempts) {
        await this.fail(
          run,
          owner,
          `the run was interrupted ${run.attempts - 1} times (instances stopped or lost their lease) and was not resumed again`,
        );
        return true;
      }
      const models = modelsOf(run.projection_name, run.mode);
      const folds = models.flatMap((m) =>
        FOLDS[m] && !(run.mode === 'catch_up' && m === 'workflow_import') ? [FOLDS[m]] : [],
      );
      if (run.horizon_log_seq === null) run = await this.start(run, owner, folds.length > 0);
      let batches = 0;
      while (run.cursor_log_seq < (run.horizon_log_seq as bigint)) {
        if (batches++ >= maxBatches) return false;
        run = await this.prisma.$transaction(
          async (tx) => this.foldBatch(tx, run, owner, folds, run.horizon_log_seq as bigint),
          TX,
        );
      }
      if (batches >= maxBatches && maxBatches !== Infinity) return false;
      await this.finish(run, owner, models, folds);
      return true;
    } catch (e) {
      if (e instanceof LostRun) {
        await this.dropShadow(run.job_id);
        return true;
      }
      const message = e instanceof Error ? e.message : String(e);
      this.logger.error(`Replay run ${run.job_id} failed: ${message}`);
      await this.fail(run, owner, message).catch(() => undefined);
      return true;
    }
  }

  /** Reads the horizon behind a barrier and counts the events to fold. */
  private async start(run: RunRow, owner: string, folds: boolean): Promise<RunRow> {
    const last = folds ? await this.barrier(run.tenant_id) : 0n;
    const horizon = folds ? (run.until_log_seq !== null && run.until_log_seq < last ? run.until_log_seq : last) : 0n;
    const [{ n }] = await this.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM dg_event_log WHERE tenant_id = ${run.tenant_id} AND log_seq <= ${horizon}`;
    return this.progress(this.prisma, run, owner, { horizon_log_seq: horizon, events_total: n });
  }

  /**
   * Waits for the tenant's appends in flight, then reads its last log_seq: the tenant's feed key
   * taken exclusively, which every append holds shared from before its log_seq to its commit
   * (dg_append_prepare). Held to the end of the transaction, it holds back this tenant's appends
   * only; other tenants append on.
   */
  private async barrier(tenantId: string, db?: Db): Promise<bigint> {
    const read = async (tx: Db) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FEED_LOCK_CLASS}::int, hashtext(${tenantId}))`;
      const [{ last }] = await tx.$queryRaw<{ last: bigint | null }[]>`
        SELECT max(log_seq) AS last FROM dg_event_log WHERE tenant_id = ${tenantId}`;
      return last ?? 0n;
    };
    return db ? read(db) : this.prisma.$transaction(read, TX);
  }

  /** One batch: a keyset page of the log folded into the shadow, and the run's progress. */
  private async foldBatch(
    db: Db,
    run: RunRow,
    owner: string,
    folds: LogFold<unknown>[],
    horizon: bigint,
    touched?: Map<string, Set<string>>,
  ): Promise<RunRow> {
    const events = await db.$queryRaw<
      (Omit<FoldEvent, 'log_seq' | 'occurred_at'> & { log_seq: bigint; occurred_at: Date })[]
    >`
      SELECT log_seq, event_id, trace_id, trace_seq, event_type, occurred_at, payload, event_hash
      FROM dg_event_log WHERE tenant_id = ${run.tenant_id} AND log_seq > ${run.cursor_log_seq} AND log_seq <= ${horizon}
      ORDER BY log_seq LIMIT ${this.config.replay.batchSize}`;
    if (!events.length) return this.progress(db, run, owner, { cursor_log_seq: horizon });
    const batch: FoldEvent[] = events.map((e) => ({
      ...e,
      log_seq: Number(e.log_seq),
      occurred_at: e.occurred_at.toISOString(),
    }));
    await this.foldInto(db, run.job_id, folds, batch, touched);
    return this.progress(db, run, owner, {
      cursor_log_seq: events[events.length - 1].log_seq,
      events_processed: run.events_processed + BigInt(events.length),
    });
  }

  /**
   * Folds a batch into the shadow: the states of every key the batch touches, of all the folds,
   * read in one statement; the states and rows they leave written in one. `touched` collects the
   * keys of the rows written, by model.
   */
  private async foldInto(
    db: Db,
    jobId: string,
    folds: LogFold<unknown>[],
    batch: FoldEvent[],
    touched?: Map<string, Set<string>>,
  ): Promise<void> {
    const work = folds.flatMap((fold) => {
      const relevant = fold.eventTypes ? batch.filter((e) => fold.eventTypes?.includes(e.event_type)) : batch;
      if (!relevant.length) return [];
      const keys = [...new Set(relevant.flatMap((e) => fold.stateKeys(e)))];
      return [{ fold, relevant, stateName: `${fold.name}:state`, keys }];
    });
    if (!work.length) return;
    const names = work.flatMap((w) => w.keys.map(() => w.stateName));
    const keys = work.flatMap((w) => w.keys);
    const stored = await db.$queryRaw<{ n: string; k: string; state: unknown }[]>`
      SELECT s.projection_name AS n, s.k, s.state FROM unnest(${names}::text[], ${keys}::text[]) AS q(n, k)
      JOIN dg_projection_shadow s ON s.job_id = ${jobId} AND s.projection_name = q.n AND s.k = q.k`;
    const writes: { n: string; k: string; key: unknown; row: unknown; state: unknown }[] = [];
    for (const { fold, relevant, stateName } of work) {
      const states = new Map<string, unknown>(stored.filter((s) => s.n === stateName).map((s) => [s.k, s.state]));
      const rows = new Map<string, KeyedRow>();
      for (const event of relevant) for (const row of fold.apply(states, event)) rows.set(row.k, row);
      for (const [k, state] of states) writes.push({ n: stateName, k, key: { k }, row: null, state });
      for (const r of rows.values()) writes.push({ n: fold.name, k: r.k, key: r.key, row: r.row, state: null });
      if (touched) {
        const keys = touched.get(fold.name) ?? new Set<string>();
        for (const k of rows.keys()) keys.add(k);
        touched.set(fold.name, keys);
      }
    }
    await db.$executeRaw`
      INSERT INTO dg_projection_shadow (job_id, projection_name, k, key, row, state)
      SELECT ${jobId}, n, k, key, row, state
      FROM jsonb_to_recordset(${JSON.stringify(writes)}::jsonb) AS x(n text, k text, key jsonb, row jsonb, state jsonb)
      ON CONFLICT (job_id, projection_name, k) DO UPDATE SET key = EXCLUDED.key, row = EXCLUDED.row, state = EXCLUDED.state`;
  }

  /** Stores progress and renews the lease; a run cancelled or taken by another instance is lost. */
  private async progress(db: Db, run: RunRow, owner: string, changes: Partial<RunRow>): Promise<RunRow> {
    const next = { ...run, ...changes };
    const leaseUntil = new Date(this.clock.now().getTime() + this.config.replay.leaseSeconds * 1000);
    const updated = await db.$executeRaw`
      UPDATE dg_replay_runs SET cursor_log_seq = ${next.cursor_log_seq}, horizon_log_seq = ${next.horizon_log_seq},
        events_total = ${next.events_total}, events_processed = ${next.events_processed}, lease_until = ${leaseUntil}
      WHERE tenant_id = ${run.tenant_id} AND job_id = ${run.job_id} AND status = 'running' AND lease_owner = ${owner}`;
    if (!updated) throw new LostRun();
    return next;
  }

  /**
   * Compares (verify) or swaps (catch_up, a rebuild of inbox_counts alone), then stores the result,
   * the models' health and — for a verify that found drift — a failure notification, all in one
   * transaction. A rebuild of trace_summary or precedents: finishRebuild.
   */
  private async finish(run: RunRow, owner: string, models: ReadModelName[], folds: LogFold<unknown>[]): Promise<void> {
    if (run.mode === 'rebuild' && models.some(isPaged)) return this.finishRebuild(run, owner, models, folds);
    await this.prisma.$transaction(async (tx) => {
      // Renews the lease and keeps the run's row locked to COMMIT: however long the comparison
      // takes, another instance's claim (SKIP LOCKED) passes it by.
      run = await this.progress(tx, run, owner, {});
      let horizon = run.horizon_log_seq as bigint;
      const writes = run.mode !== 'verify';
      if (writes && models.includes('inbox_counts')) await this.lockCounts(tx, run.tenant_id);
      if (writes && folds.length) {
        // This tenant's appends wait from here to COMMIT: the events since the horizon are folded,
        // then swapped in.
        const last = await this.barrier(run.tenant_id, tx);
        while (run.cursor_log_seq < last) run = await this.foldBatch(tx, run, owner, folds, last);
        horizon = last;
      }
      const results: Partial<Record<ReadModelName, ModelResult>> = {};
      for (const model of models) {
        const result = await compareModel(tx, run, model, { horizon: writes ? null : horizon });
        if (writes && run.mode === 'rebuild') await replaceModel(tx, run, model, result.extras);
        if (writes && run.mode === 'catch_up' && isPaged(model)) await applyShadow(tx, run, model, false);
        results[model] = result;
      }
      await this.complete(tx, run, owner, models, results, horizon);
    }, TX);
    await this.dropShadow(run.job_id);
  }

  /**
   * Before the feed key (docs/decisions/0005, "Locks"): no writer waits on this key (they try it),
   * so it is never part of a wait cycle.
   */
  private async lockCounts(tx: Db, tenantId: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${COUNTS_COMPACT_LOCK_CLASS}::int, hashtext(${tenantId}))`;
  }

  /**
   * A rebuild, in phases a resumed run goes on from (`phase`), so that the tenant's appends wait
   * only for the events appended during the run, not for the model's size:
   *
   * 1. `fold` → `write`: compares the shadow with the live rows at the horizon H, as a verify does
   *    (live rows written above H, by appends meanwhile, are skipped), and stores the mismatches.
   * 2. `write`: writes the differences outside the feed key, one keyset page per statement, each
   *    its own transaction — a shadow row only where the live row is missing or was last written at
   *    or below H, checked again by ON CONFLICT … WHERE on the row's latest version, so an
   *    append's newer row is kept; and deletes the live rows the log lacks that were written at or
   *    below H. Appends go on.
   * 3. `write` → `swapped`, one transaction holding the tenant's feed key: folds the events since H
   *    and compares and writes only the keys that can still differ — the shadow rows those events
   *    wrote and the live rows written above H (appends since H, also any that raced step 2) —
   *    adding their mismatches to the stored ones. inbox_counts is compared and replaced here, as
   *    before. The new horizon is stored.
   * 4. `swapped` → `done`: the digests over the shadow (now the log's rows at the final horizon,
   *    no longer written) — read again only when events came after H — and the result.
   */
  private async finishRebuild(
    run: RunRow,
    owner: string,
    models: ReadModelName[],
    folds: LogFold<unknown>[],
  ): Promise<void> {
    const horizon = run.horizon_log_seq as bigint;
    const paged = models.filter(isPaged);
    const digests: Partial<Record<ReadModelName, string>> = {};
    if (run.phase === 'fold') {
      run = await this.prisma.$transaction(async (tx) => {
        run = await this.progress(tx, run, owner, {});
        const found: Found = { mismatches: [], count: 0 };
        for (const model of paged) {
          const result = await compareModel(tx, run, model, { horizon });
          digests[model] = result.digest;
          found.mismatches.push(...result.mismatches);
          found.count += result.mismatchCount;
        }
        return this.setPhase(tx, run, owner, 'write', found);
      }, TX);
    }
    if (run.phase === 'write') {
      if (run.mismatch_count > 0) {
        for (const model of paged) {
          const renew = async () => {
            run = await this.progress(this.prisma, run, owner, {});
          };
          await applyShadow(this.prisma, run, model, true, { horizon }, renew);
          const extras = deleteExtrasSql(model, run.tenant_id, run.job_id, { atOrBelow: horizon });
          await withTransactionRetry(() => this.prisma.$executeRaw(extras), ALONE);
        }
      }
      await this.afterHorizonWrite(run);
      run = await this.prisma.$transaction(async (tx) => {
        run = await this.progress(tx, run, owner, {});
        if (models.includes('inbox_counts')) await this.lockCounts(tx, run.tenant_id);
        // This tenant's appends wait from here to COMMIT.
        const last = await this.barrier(run.tenant_id, tx);
        const touched = new Map<string, Set<string>>();
        while (run.cursor_log_seq < last) run = await this.foldBatch(tx, run, owner, folds, last, touched);
        if (last !== horizon) for (const model of paged) delete digests[model];
        const found: Found = { mismatches: [...(run.mismatches as Mismatch[])], count: run.mismatch_count };
        for (const model of paged) {
          const above = await tx.$queryRaw<{ k: string }[]>(liveKeysAboveSql(model, run.tenant_id, horizon));
          const keys = [...new Set([...(touched.get(model) ?? []), ...above.map((r) => r.k)])];
          if (!keys.length) continue;
          // Extras written above H are among `above`: none there, no anti-join.
          const range = above.length ? { above: horizon } : null;
          const result = await compareModel(tx, run, model, { horizon: null, keys, range });
          found.mismatches.push(...result.mismatches);
          found.count += result.mismatchCount;
          if (!result.mismatchCount) continue;
          await applyShadow(tx, run, model, true, { keys });
          if (result.extras > 0)
            await tx.$executeRaw(deleteExtrasSql(model, run.tenant_id, run.job_id, { above: horizon }));
        }
        if (models.includes('inbox_counts')) {
          const result = await compareModel(tx, run, 'inbox_counts', { horizon: null });
          await replaceModel(tx, run, 'inbox_counts', 0);
          digests.inbox_counts = result.digest;
          found.mismatches.push(...result.mismatches);
          found.count += result.mismatchCount;
        }
        run = await this.progress(tx, run, owner, { horizon_log_seq: last });
        return this.setPhase(tx, run, owner, 'swapped', found);
      }, TX);
    }
    for (const model of paged) digests[model] ??= await shadowDigest(this.prisma, run, model);
    if (models.includes('inbox_counts'))
      digests.inbox_counts ??= (await compareModel(this.prisma, run, 'inbox_counts', { horizon: null })).digest;
    await this.prisma.$transaction(async (tx) => {
      run = await this.progress(tx, run, owner, {});
      const results = Object.fromEntries(
        models.map((m) => [m, { digest: digests[m] as string, mismatches: [], mismatchCount: 0, extras: 0 }]),
      );
      const found = { mismatches: run.mismatches as Mismatch[], count: run.mismatch_count };
      await this.complete(tx, run, owner, models, results, run.horizon_log_seq as bigint, found);
    }, TX);
    await this.dropShadow(run.job_id);
  }

  /** Stores a rebuild's phase and the mismatches found so far (the first 100 of them). */
  private async setPhase(tx: Db, run: RunRow, owner: string, phase: string, found: Found): Promise<RunRow> {
    const mismatches = found.mismatches.slice(0, MAX_STORED_MISMATCHES);
    const updated = await tx.$executeRaw`
      UPDATE dg_replay_runs SET phase = ${phase}, mismatch_count = ${found.count},
        mismatches = ${JSON.stringify(mismatches)}::jsonb
      WHERE tenant_id = ${run.tenant_id} AND job_id = ${run.job_id} AND status = 'running' AND lease_owner = ${owner}`;
    if (!updated) throw new LostRun();
    return { ...run, phase, mismatch_count: found.count, mismatches };
  }

  private async complete(
    tx: Db,
    run: RunRow,
    owner: string,
    models: ReadModelName[],
    results: Partial<Record<ReadModelName, ModelResult>>,
    horizon: bigint,
    found?: Found,
  ): Promise<void> {
    const now = this.clock.now();
    const before = await tx.$queryRaw<{ projection_name: string; digest: string | null }[]>`
      SELECT projection_name, digest FROM dg_projection_states WHERE tenant_id = ${run.tenant_id}`;
    const digestsBefore = Object.fromEntries(
      models.map((m) => [m, before.find((b) => b.projection_name === m)?.digest ?? null]),
    );
    const digestsAfter = Object.fromEntries(models.map((m) => [m, results[m]?.digest ?? null]));
    const single = run.projection_name !== 'all';
    const mismatches = (found?.mismatches ?? models.flatMap((m) => results[m]?.mismatches ?? [])).slice(
      0,
      MAX_STORED_MISMATCHES,
    );
    const mismatchCount = found?.count ?? models.reduce((n, m) => n + (results[m]?.mismatchCount ?? 0), 0);
    const updated = await tx.$executeRaw`
      UPDATE dg_replay_runs SET status = 'succeeded', finished_at = ${now}, phase = 'done', lease_owner = NULL,
        lease_until = NULL, mismatch_count = ${mismatchCount}, mismatches = ${JSON.stringify(mismatches)}::jsonb,
        digest_before = ${single ? digestsBefore[run.projection_name] : combinedDigest(digestsBefore)},
        digest_after = ${single ? digestsAfter[run.projection_name] : combinedDigest(digestsAfter)},
        events_processed = ${run.events_processed}, horizon_log_seq = ${horizon}
      WHERE tenant_id = ${run.tenant_id} AND job_id = ${run.job_id} AND status = 'running' AND lease_owner = ${owner}`;
    if (!updated) throw new LostRun();
    for (const model of models) {
      const result = results[model] as ModelResult;
      // After a rebuild the model holds the log's rows: nothing is open any more.
      const open = run.mode === 'verify' ? result.mismatchCount : 0;
      await tx.$executeRaw`
        INSERT INTO dg_projection_states (tenant_id, projection_name, digest, digest_log_seq, verified_at, open_failures, last_job_id)
        VALUES (${run.tenant_id}, ${model}, ${result.digest}, ${horizon}, ${now}, ${open}, ${run.job_id})
        ON CONFLICT (tenant_id, projection_name) DO UPDATE SET digest = EXCLUDED.digest,
          digest_log_seq = EXCLUDED.digest_log_seq, verified_at = EXCLUDED.verified_at,
          open_failures = EXCLUDED.open_failures, last_job_id = EXCLUDED.last_job_id`;
    }
    if (run.mode === 'verify' && mismatchCount > 0) {
      await this.notifications.record(
        tx,
        run.tenant_id,
        [
          {
            workflow_id: `replay:${run.job_id}`,
            category: 'failure',
            dedupe_key: `failure:replay:${run.job_id}`,
            recipient_account_id: null,
            recipient_role: 'admin',
            message: `Replay ${run.job_id} found ${mismatchCount} read model row(s) that differ from the log (${run.projection_name})`,
            payload: {
              job_id: run.job_id,
              projection_name: run.projection_name,
              mismatch_count: mismatchCount,
              mismatches: mismatches
                .slice(0, 10)
                .map(({ projection_name, key, fields }) => ({ projection_name, key, fields })),
            },
          },
        ],
        now,
      );
    }
  }

  private async fail(run: RunRow, owner: string, error: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE dg_replay_runs SET status = 'failed', error = ${error.slice(0, 2000)}, finished_at = ${this.clock.now()},
        lease_owner = NULL, lease_until = NULL
      WHERE tenant_id = ${run.tenant_id} AND job_id = ${run.job_id} AND status = 'running' AND lease_owner = ${owner}`;
    await this.dropShadow(run.job_id);
  }

  async dropShadow(jobId: string): Promise<void> {
    await this.prisma.$executeRaw`DELETE FROM dg_projection_shadow WHERE job_id = ${jobId}`;
  }
}
