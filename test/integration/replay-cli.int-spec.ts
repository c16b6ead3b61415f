import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '../../src/database/database-adapter';
import { cli } from '../setup/cli-process';
import { onPostgres } from '../setup/own-database';

/** The run the CLI printed (pretty JSON on stdout; the progress bar is on stderr). */
function printedRun(output: string): Record<string, unknown> {
  return JSON.parse(output.slice(output.indexOf('{\n'), output.lastIndexOf('\n}') + 2)) as Record<string, unknown>;
}

describe('the replay command (SPEC §16)', () => {
  let dir: string;
  let env: Record<string, string>;
  const tenant = `cli-replay-${randomUUID().slice(0, 8)}`;

  /** Runs one statement on the database the CLI uses (the CLI is not running meanwhile). */
  async function sql(text: string, values: unknown[]): Promise<void> {
    if (onPostgres) {
      const client = new Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      try {
        await client.query(text, values);
      } finally {
        await client.end();
      }
      return;
    }
    const db = await openDatabase(`pglite:${join(dir, 'pgdata')}`);
    try {
      await db.pglite!.query(text, values);
    } finally {
      await db.close();
    }
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dg-replay-cli-'));
    env = onPostgres ? { DATABASE_URL: process.env.DATABASE_URL as string } : { DG_DATA_DIR: join(dir, 'pgdata') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies clean (exit 0), finds drift (exit 1), rebuilds it, and prints progress and the run', async () => {
    expect((await cli(env, 'seed-demo', tenant)).code).toBe(0);

    const clean = await cli(env, 'replay', '--tenant', tenant, '--projection', 'all', '--mode', 'verify');
    expect(clean.output).toMatch(/replay all \[.*\] \d+\/\d+ events \| succeeded/);
    expect(clean.code).toBe(0);
    expect(printedRun(clean.output)).toMatchObject({ status: 'succeeded', mode: 'verify', mismatch_count: 0 });

    await sql(
      `UPDATE dg_trace_summaries SET title = 'tampered'
       WHERE tenant_id = $1 AND trace_id = (SELECT min(trace_id) FROM dg_trace_summaries WHERE tenant_id = $1)`,
      [tenant],
    );
    const drift = await cli(env, 'replay', '--tenant', tenant, '--projection', 'trace_summary');
    expect(drift.code).toBe(1);
    expect(printedRun(drift.output)).toMatchObject({
      status: 'succeeded',
      mismatch_count: 1,
      mismatches: [expect.objectContaining({ projection_name: 'trace_summary', fields: ['title'] })],
    });

    // A rebuild that repaired rows succeeded: exit 0.
    const rebuild = await cli(env, 'replay', '--tenant', tenant, '--projection', 'all', '--mode', 'rebuild');
    expect(rebuild.code).toBe(0);
    expect(printedRun(rebuild.output)).toMatchObject({ status: 'succeeded', mode: 'rebuild', mismatch_count: 1 });
    expect((await cli(env, 'replay', '--tenant', tenant)).code).toBe(0);

    const refused = await cli(env, 'replay', '--tenant', tenant, '--projection', 'nope');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('--projection must be one of');
    // Six CLI processes, each starting the application: 12-17 s apiece on the shared 2-core VM at
    // load 10-16, more than the default 60 s in all.
  }, 240_000);
});
