import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EMBEDDED_SHARED_BUFFERS_MB, openDatabase } from '../../src/database/database-adapter';
import { cli } from '../setup/cli-process';
import { runServiceToExit, startService } from '../setup/service-process';

describe('one process per embedded data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dg-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses the CLI and a second service while the service runs, then seeds once it has stopped', async () => {
    const env = { DG_DATA_DIR: join(dir, 'pgdata') };
    const service = await startService(env);
    const pid = service.child.pid;

    const seed = await cli(env, 'seed-demo');
    expect(seed.code).not.toBe(0);
    expect(seed.output).toContain(`is in use by process ${pid}`);
    const second = await runServiceToExit({ ...env, PORT: '0' });
    expect(second.code).not.toBe(0);
    expect(second.output).toContain(`is in use by process ${pid}`);
    expect(await service.stop()).toBe(0);

    const seeded = await cli(env, 'seed-demo');
    expect(seeded).toMatchObject({ code: 0, output: expect.stringContaining('"open_count": 2') });
    const restarted = await startService(env);
    const inbox = await fetch(`${restarted.baseUrl}/api/v1/workflows`, {
      headers: { 'x-tenant-id': 'release-demo', authorization: 'Bearer dev-reader-token' },
    });
    expect(((await inbox.json()) as { data: { summary: { open_count: number } } }).data.summary.open_count).toBe(2);
    expect(await restarted.stop()).toBe(0);
    // Five process starts, the first with initdb and every migration: about 40 s on a quiet
    // machine, far more on a loaded one (a CI run at load 10–15 passed 60 s).
  }, 240_000);
});

describe('opening an embedded data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dg-open-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a new directory, sizes the buffer cache as asked, and keeps what was written', async () => {
    const url = `pglite:${join(dir, 'pgdata')}`;
    const created = await openDatabase(url, 1, undefined, 16);
    try {
      // The new directory is opened twice (initdb's memory is let go); the second instance serves.
      const { rows } = await created.pglite!.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(rows[0].shared_buffers).toBe('16MB');
      await created.pglite!.exec('CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)');
    } finally {
      await created.close();
    }
    const reopened = await openDatabase(url);
    try {
      const { rows } = await reopened.pglite!.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(rows[0].shared_buffers).toBe(`${DEFAULT_EMBEDDED_SHARED_BUFFERS_MB}MB`);
      expect((await reopened.pglite!.query<{ v: number }>('SELECT v FROM kept')).rows).toEqual([{ v: 7 }]);
    } finally {
      await reopened.close();
    }
  });
});
