import { readFileSync } from 'node:fs';
import request from 'supertest';
import { buildOpenApiDocument } from '../../src/app.setup';
import { serialiseOpenApi } from '../../src/cli/openapi-command';
import { useTestApp } from '../setup/test-app';

describe('OpenAPI document', () => {
  const app = useTestApp();

  it('matches the committed openapi/openapi.json (run `npm run openapi:generate` after changing the API)', () => {
    const committed = readFileSync('openapi/openapi.json', 'utf8');
    expect(serialiseOpenApi(buildOpenApiDocument(app))).toBe(committed);
  });

  it('is served at /api/openapi.json and Swagger UI at /api/docs', async () => {
    const doc = await request(app.getHttpServer()).get('/api/openapi.json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/healthz', '/api/readyz', '/api/v1/whoami']),
    );
    const ui = await request(app.getHttpServer()).get('/api/docs/').expect(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('gives every operation an operationId equal to its handler name, all distinct', () => {
    const document = buildOpenApiDocument(app);
    const ids = Object.values(document.paths).flatMap((item) =>
      Object.values(item as Record<string, { operationId?: string }>).map((op) => op.operationId),
    );
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every operation a summary and a security entry: [] on the public routes, bearer elsewhere', () => {
    const document = buildOpenApiDocument(app);
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { summary?: string; security?: unknown[] }>).map(([method, op]) => ({
        route: `${method.toUpperCase()} ${path}`,
        ...op,
      })),
    );
    expect(operations.filter((op) => !op.summary).map((op) => op.route)).toEqual([]);
    expect(operations.filter((op) => op.security?.length === 0).map((op) => op.route)).toEqual([
      'GET /api/healthz',
      'GET /api/readyz',
      'GET /metrics',
      'GET /api/auth-config',
    ]);
    const others = operations.filter((op) => op.security?.length !== 0);
    expect(others.filter((op) => JSON.stringify(op.security) !== '[{"bearer":[]}]').map((op) => op.route)).toEqual([]);
  });
});
