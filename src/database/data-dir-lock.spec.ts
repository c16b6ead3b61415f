import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from './data-dir-lock';

describe(lockDataDir.name, () => {
  const dataDir = () => join(mkdtempSync(join(tmpdir(), 'dg-lock-')), 'pgdata');

  it('writes <dir>.lock with this pid and removes it on release', () => {
    const dir = dataDir();
    const release = lockDataDir(dir);
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('refuses a directory locked by another live process, naming it', () => {
    const dir = dataDir();
    writeFileSync(`${dir}.lock`, String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(`is in use by process ${process.ppid}`);
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.ppid));
  });

  it.each([
    ['a process that is gone', '2147483646'],
    ['garbage', 'not a pid'],
  ])('takes over a lock left by %s', (_what, content) => {
    const dir = dataDir();
    writeFileSync(`${dir}.lock`, content);
    const release = lockDataDir(dir);
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
    release();
  });

  it('leaves a lock that another process took over in place on release', () => {
    const dir = dataDir();
    const release = lockDataDir(dir);
    writeFileSync(`${dir}.lock`, String(process.ppid));
    release();
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.ppid));
  });
});
