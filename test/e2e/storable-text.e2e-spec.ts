import request from 'supertest';
import { buildOpenApiDocument } from '../../src/app.setup';
import { act, openException } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { DEV_TOKENS, uniqueTenant, useTestApp } from '../setup/test-app';

/**
 * SPEC §3: no request may produce a 500 for bad input. PostgreSQL cannot store a NUL character or
 * an unpaired surrogate in text, so one in a path parameter, a query parameter or a body field is
 * refused with 400 before it reaches the database, as is a body nested too deep for the validators
 * (StorableTextPipe; the event routes check their own bodies).
 */
describe('text PostgreSQL cannot store, and over-deep bodies (SPEC §3)', () => {
  let tenant: string;
  const app = useTestApp({ env: GENEROUS_LIMITS });
  beforeEach(() => {
    tenant = uniqueTenant('nul');
  });

  it('answers 400 naming the parameter on every route with a path parameter', async () => {
    const paths = Object.entries(buildOpenApiDocument(app).paths).filter(([path]) => path.includes('{'));
    expect(paths.length).toBeGreaterThan(5);
    for (const [path, item] of paths) {
      for (const method of Object.keys(item as object) as ('get' | 'post' | 'patch' | 'delete')[]) {
        const param = /\{([^}]+)\}/.exec(path)?.[1];
        const url = path.replace(/\{[^}]+\}/g, 'a%00b');
        let req = request(app.getHttpServer())
          [method](url)
          .set({ 'x-tenant-id': tenant, authorization: `Bearer ${DEV_TOKENS.admin}` });
        if (method !== 'get' && method !== 'delete') req = req.send({});
        const res = await req;
        expect({ route: `${method} ${path}`, status: res.status, code: res.body.error?.code }).toEqual({
          route: `${method} ${path}`,
          status: 400,
          code: 'invalid_argument',
        });
        if (method === 'get') expect(res.body.error.message).toBe(`${param} must not contain a NUL character`);
      }
    }
  });

  it.each([
    ['/api/v1/events?trace_id=a%00b', 'trace_id'],
    ['/api/v1/precedents?entity_type=a%00b', 'entity_type'],
    ['/api/v1/workflows?assigned_role=a%00b', 'assigned_role'],
    ['/api/v1/notifications?recipient_role=a%00b', 'recipient_role'],
  ])('answers 400 for a NUL character in a query parameter: %s', async (url, field) => {
    const res = await apiAs(app, tenant, DEV_TOKENS.admin).get(url).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_argument',
      message: `${field} must not contain a NUL character`,
      details: { fields: [field] },
    });
  });

  it('answers 400 for a NUL character in an action body field, and the item is unchanged', async () => {
    const api = apiAs(app, tenant, DEV_TOKENS.admin);
    const { workflowId } = await openException(api, 'nul-trace');
    for (const body of [
      { action: 'comment', note: 'a\u0000b' },
      { action: 'reassign', assigned_role: 'a\u0000b' },
      { action: 'approve', reason: 'ok', evidence: [{ note: 'a\u0000b' }] },
    ]) {
      const res = await act(api, workflowId, body).expect(400);
      expect(res.body.error.message).toMatch(
        /^\$\.(note|assigned_role|evidence\[0\]\.note) must not contain a NUL character$/,
      );
    }
    const detail = (await api.get(`/api/v1/workflows/${encodeURIComponent(workflowId)}`).expect(200)).body.data;
    expect(detail.workflow.status).toBe('requested');
    expect(detail.actions).toHaveLength(1);
  });

  it('answers 400 for an unpaired surrogate or an over-deep evidence in an action, and the item is unchanged', async () => {
    const api = apiAs(app, tenant, DEV_TOKENS.admin);
    const { workflowId } = await openException(api, 'surrogates');
    const surrogate = await act(api, workflowId, { action: 'comment', note: 'a\ud800b' }).expect(400);
    expect(surrogate.body.error.message).toBe('$.note must be well-formed Unicode (no unpaired surrogates)');
    const deep = `{"action":"comment","note":"x","evidence":[${'['.repeat(5000)}${']'.repeat(5000)}]}`;
    const nested = await api.postRaw(`/api/v1/workflows/${encodeURIComponent(workflowId)}/actions`, deep).expect(400);
    expect(nested.body.error.message).toMatch(/^\$\.evidence(\[0\])+ is nested deeper than 64 levels$/);
    const detail = (await api.get(`/api/v1/workflows/${encodeURIComponent(workflowId)}`).expect(200)).body.data;
    expect(detail.actions).toHaveLength(1);
  });

  it('answers 400 for a NUL character in a webhook endpoint', async () => {
    const res = await apiAs(app, tenant, DEV_TOKENS.admin)
      .post('/api/v1/admin/webhooks', { url: 'https://hooks.example/\u0000', categories: [] })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_argument', details: { path: '$.url' } });
  });
});
