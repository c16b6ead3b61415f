import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { closeApp, createTestApp, useTestApp } from '../setup/test-app';

/** A console build of three files, so that this test does not depend on `npm run build`. */
function aConsoleBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dg-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1);');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, '.secret'), 'no');
  return dir;
}

describe('GET /console (SPEC §13)', () => {
  let app: NestExpressApplication;
  let dir: string;
  beforeAll(async () => {
    dir = aConsoleBuild();
    app = await createTestApp({ env: { DG_CONSOLE_DIR: dir } });
  });
  afterAll(async () => {
    await closeApp(app);
    rmSync(dir, { recursive: true, force: true });
  });
  const get = (path: string) => request(app.getHttpServer()).get(path);

  it('serves index.html without authentication, under a default-src self policy, revalidated every time', async () => {
    for (const path of ['/console', '/console/']) {
      const res = await get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toBe("default-src 'self'");
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.text).toContain('<div id="root">');
    }
  });

  it('answers client-side routes with index.html, workflow ids with colons and dots included', async () => {
    const res = await get(`/console/workflows/${encodeURIComponent('trace.1:exception:ex.2')}`).expect(200);
    expect(res.text).toContain('<div id="root">');
    expect(res.headers['cache-control']).toBe('no-cache');
    await get('/console/studio?trace=x').expect(200);
  });

  it('caches hashed assets for a year and answers a missing one 404, never with index.html', async () => {
    const res = await get('/console/assets/index-abc123.js').expect(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-security-policy']).toBe("default-src 'self'");
    const missing = await get('/console/assets/index-gone.js').expect(404);
    expect(missing.text).not.toContain('<div id="root">');
  });

  it('serves top-level files briefly cached, and nothing outside the build or hidden', async () => {
    const icon = await get('/console/favicon.svg').expect(200);
    expect(icon.headers['cache-control']).toBe('public, max-age=300');
    expect((await get('/console/assets/%2e%2e/%2e%2e/package.json')).status).toBeGreaterThanOrEqual(400);
    expect((await get('/console/%2e%2e/package.json')).text).not.toContain('decisiongraph');
    expect((await get('/console/.secret')).text).not.toBe('no');
  });

  it('is not part of the API document', async () => {
    const { body } = await request(app.getHttpServer()).get('/api/openapi.json').expect(200);
    expect(Object.keys(body.paths).filter((p) => p.includes('console'))).toEqual([]);
  });
});

describe('GET /console before the console is built', () => {
  const app = useTestApp({ env: { DG_CONSOLE_DIR: join(tmpdir(), 'dg-console-missing') } });

  it('says how to build it', async () => {
    const res = await request(app.getHttpServer()).get('/console').expect(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', message: expect.stringContaining('npm run build') });
  });
});
