import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashToken } from '../../src/auth/token-hash';

const execFileAsync = promisify(execFile);

/** Runs the built CLI (npm test builds first) and returns its exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['dist/cli/main.js', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the command line (SPEC §10)', () => {
  it.each([[['--help']], [[]]])('lists its commands when run with %p, and exits 0', async (args) => {
    const { code, stdout } = await cli(...args);
    expect(code).toBe(0);
    for (const command of ['token', 'migrate', 'seed-demo', 'openapi', 'keygen', 'verify-export'])
      expect(stdout).toContain(command);
  });

  it('prints a token and the sha256 hash of exactly that token', async () => {
    const { code, stdout } = await cli('token');
    expect(code).toBe(0);
    const token = /^token: (\S+)$/m.exec(stdout)?.[1];
    const hash = /^hash: +(\S+)$/m.exec(stdout)?.[1];
    expect(token).toBeDefined();
    expect(hash).toBe(hashToken(token as string));
  });

  it('describes a command on <command> --help instead of running it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-cli-'));
    try {
      const token = await cli('token', '--help');
      expect([token.code, token.stdout]).toEqual([0, expect.stringContaining('Usage: decisiongraph token')]);
      expect(token.stdout).not.toMatch(/^token: /m);
      const keygen = await cli('keygen', dir, '--help');
      expect(keygen.code).toBe(0);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown command and a verify-export without its key, with exit code 1 and usage on stderr', async () => {
    const unknown = await cli('no-such-command');
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining("unknown command 'no-such-command'")]);
    const verify = await cli('verify-export', 'export.json');
    expect([verify.code, verify.stderr]).toEqual([
      1,
      expect.stringContaining("required option '--public-key <pem>' not specified"),
    ]);
  });
});
