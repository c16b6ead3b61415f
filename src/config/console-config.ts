import { Env, readString } from './env-parsers';

export type ConsoleConfig = {
  /** The reviewer console's built files (`npm run build` writes them), relative to the working directory. */
  dir: string;
};

export function loadConsoleConfig(env: Env): ConsoleConfig {
  return { dir: readString(env, 'DG_CONSOLE_DIR', 'dist/public/console') };
}
