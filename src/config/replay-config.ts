import { Env, readBool, readInt } from './env-parsers';

/** Settings of the replay worker (SPEC §16). */
export type ReplayConfig = {
  /** Run replay runs in this instance (an instance without it still accepts and lists them). */
  workerEnabled: boolean;
  /** How often an idle worker looks for queued runs and for runs whose instance stopped. */
  pollIntervalMs: number;
  /** Events folded per batch: a batch is one bounded read, one write and a progress update. */
  batchSize: number;
  /** A running run whose instance has not renewed its lease for this long is taken up by another. */
  leaseSeconds: number;
  /** A run taken up this many times without finishing ends `failed`. */
  maxAttempts: number;
};

export function loadReplayConfig(env: Env): ReplayConfig {
  return {
    workerEnabled: readBool(env, 'DG_REPLAY_WORKER_ENABLED', true),
    pollIntervalMs: readInt(env, 'DG_REPLAY_POLL_INTERVAL_MS', 1000, 10, 3_600_000),
    batchSize: readInt(env, 'DG_REPLAY_BATCH_SIZE', 1000, 1, 100_000),
    leaseSeconds: readInt(env, 'DG_REPLAY_LEASE_SECONDS', 60, 1, 86_400),
    maxAttempts: readInt(env, 'DG_REPLAY_MAX_ATTEMPTS', 5, 1, 1000),
  };
}
