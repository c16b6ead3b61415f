import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServiceToExit, startService } from '../setup/service-process';

describe('starting the built service', () => {
  it('refuses to start in production without service accounts, naming the setting', async () => {
    const { code, output } = await runServiceToExit({ NODE_ENV: 'production', DATABASE_URL: 'pglite:memory://' });
    expect(code).not.toBe(0);
    expect(output).toContain('DG_SERVICE_ACCOUNTS');
    expect(output).toContain('NODE_ENV=production');
  });

  it('names the variable of an invalid setting and exits non-zero', async () => {
    const { code, output } = await runServiceToExit({ PORT: 'eighty', DATABASE_URL: 'pglite:memory://' });
    expect(code).not.toBe(0);
    expect(output).toContain('PORT must be an integer');
  });

  it('restarts on the same data directory without applying a migration twice, exiting 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-data-'));
    try {
      const env = { DG_DATA_DIR: join(dir, 'pgdata') };
      const first = await startService(env);
      expect(first.output()).toContain('applied migrations:');
      expect(await (await fetch(`${first.baseUrl}/api/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await first.stop()).toBe(0);

      const second = await startService(env);
      expect(second.output()).not.toContain('applied migrations:');
      const ready = await fetch(`${second.baseUrl}/api/readyz`);
      expect(ready.status).toBe(200);
      expect(await second.stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
