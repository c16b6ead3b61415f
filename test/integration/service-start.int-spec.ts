import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anEvent } from '../factories/events';
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

  it('keeps data across a restart on the same data directory, applies no migration twice and exits 0 on SIGTERM', async () => {
    const headers = {
      'content-type': 'application/json',
      'x-tenant-id': 'acme',
      authorization: 'Bearer dev-writer-token',
    };
    const event = anEvent('TraceStarted', { trace_id: 'kept' });
    const dir = mkdtempSync(join(tmpdir(), 'dg-data-'));
    try {
      const env = { DG_DATA_DIR: join(dir, 'pgdata') };
      const first = await startService(env);
      expect(first.output()).toContain('applied migrations:');
      expect(first.output()).toContain('using the DEVELOPMENT accounts');
      expect(await (await fetch(`${first.baseUrl}/api/healthz`)).json()).toEqual({ status: 'ok' });
      const appended = await fetch(`${first.baseUrl}/api/v1/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify(event),
      });
      expect(appended.status).toBe(201);
      expect(await first.stop()).toBe(0);

      const second = await startService(env);
      expect(second.output()).not.toContain('applied migrations:');
      const trace = await fetch(`${second.baseUrl}/api/v1/traces/kept`, { headers });
      expect(trace.status).toBe(200);
      expect(
        ((await trace.json()) as { data: { events: { event_id: string }[] } }).data.events.map(
          (e: { event_id: string }) => e.event_id,
        ),
      ).toEqual([event.event_id]);
      expect(await second.stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
