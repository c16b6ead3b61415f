import { NestFactory } from '@nestjs/core';
import { SingleBar, Presets } from 'cli-progress';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/app-config';
import { ReplayRunnerService } from '../projections/replay-runner.service';
import { isReadModel, READ_MODELS } from '../projections/read-models';
import { REPLAY_MODES, type RunJson } from '../projections/replay-run';
import type { CreateReplayDto } from '../projections/replay.dto';
import { ReplaysService } from '../projections/replays.service';

export type ReplayOptions = { tenant: string; projection: string; mode: string; reason: string };

/**
 * SPEC §16's CLI: queues a run as the API would (as the `cli` admin), runs it in this process with a
 * progress bar, prints the run, and resolves to the exit code: 1 when a verify found mismatches or
 * the run did not succeed (a rebuild that repaired rows succeeded).
 */
export async function replayCommand(options: ReplayOptions): Promise<number> {
  if (options.projection !== 'all' && !isReadModel(options.projection))
    throw new Error(`--projection must be one of ${[...READ_MODELS, 'all'].join(', ')}`);
  if (!(REPLAY_MODES as readonly string[]).includes(options.mode))
    throw new Error(`--mode must be one of ${REPLAY_MODES.join(', ')}`);
  const config = loadConfig({ ...process.env, DG_REPLAY_WORKER_ENABLED: 'false' });
  const app = await NestFactory.createApplicationContext(AppModule.register(config), { logger: ['error', 'warn'] });
  try {
    const principal = { accountId: 'cli', roles: ['admin' as const], permissions: ['*'], tenantId: options.tenant };
    const replays = app.get(ReplaysService);
    const body: CreateReplayDto = { projection: options.projection, mode: options.mode, reason: options.reason };
    const { run } = await replays.create(principal, body);
    const bar = new SingleBar(
      // noTTYOutput: the progress is printed when the output is a file or a pipe too.
      { format: 'replay {projection} [{bar}] {value}/{total} events | {status}', hideCursor: true, noTTYOutput: true },
      Presets.shades_classic,
    );
    bar.start(1, 0, { projection: run.projection_name, status: run.status });
    const job = app.get(ReplayRunnerService).runOne(options.tenant, run.job_id);
    let current: RunJson = run;
    let finished = false;
    void job.finally(() => (finished = true));
    while (!finished) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      current = (await replays.get(principal, run.job_id)).run;
      bar.setTotal(Math.max(1, current.events_total));
      bar.update(current.events_processed, { status: current.status });
    }
    await job;
    current = (await replays.get(principal, run.job_id)).run;
    bar.setTotal(Math.max(1, current.events_total));
    bar.update(current.events_processed, { status: current.status });
    bar.stop();
    console.log(JSON.stringify(current, null, 2));
    // A rebuild's mismatch_count counts the rows it repaired: only a verify's is a failure.
    return current.status === 'succeeded' && (current.mode !== 'verify' || current.mismatch_count === 0) ? 0 : 1;
  } finally {
    await app.close();
  }
}
