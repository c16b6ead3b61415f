import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * One process per embedded data directory. PGlite has no lock of its own: a second process (the
 * CLI while the service runs, or a second service) would read a stale copy and write over the
 * first one's files. The lock is `<data dir>.lock` holding the owner's pid; a lock whose process
 * is gone (a crash, SIGKILL) is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = `${resolve(dataDir)}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => {
        if (ownerOf(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = ownerOf(path);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `The embedded database ${resolve(dataDir)} is in use by process ${owner} (lock file ${path}). ` +
            'Stop that process first (several processes need PostgreSQL, DATABASE_URL); if no such process uses it, delete the lock file.',
          { cause: e },
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock the embedded database ${resolve(dataDir)} (lock file ${path})`);
}

function ownerOf(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
