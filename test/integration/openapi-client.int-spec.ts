import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CLIENT_TYPES, renderClientTypes } from '../client/client-types';
import type { components } from '../client/openapi-schema';
import { typeCheck } from '../client/type-check';
import { ApiClient, DocumentedClients } from '../client/typed-client';
import { GENEROUS_LIMITS } from '../setup/api-client';
import { ServiceProcess, startService } from '../setup/service-process';
import { DEV_TOKENS } from '../setup/test-app';

type EventEnvelope = components['schemas']['EventEnvelopeDto'];

/**
 * A client generated from the committed openapi/openapi.json (openapi-typescript + openapi-fetch)
 * drives every documented operation of the built service; each response must be the documented
 * one. The calls below are type-checked against the generated types, so a path, method,
 * parameter or body the document does not declare fails this file.
 */
describe('the client generated from openapi/openapi.json', () => {
  it('is generated from the committed document (run `npm run openapi:client` after `npm run openapi:generate`)', () => {
    expect(readFileSync(CLIENT_TYPES, 'utf8')).toBe(renderClientTypes());
  });

  describe('type check', () => {
    const probe = (name: string, call: string) => ({
      fileName: `test/client/probe-${name}.ts`,
      text: `import type { ApiClient } from './typed-client';\nexport async function probe(client: ApiClient) {\n  ${call}\n}\n`,
    });
    const header = `{ 'x-tenant-id': 't' }`;
    const probes = [
      probe(
        'wrong-body',
        `await client.POST('/api/v1/events', { params: { header: ${header} }, body: { event_id: 'e', trace_id: 't' } });`,
      ),
      probe('wrong-path', `await client.GET('/api/v1/event', { params: { header: ${header} } });`),
      probe('wrong-method', `await client.PUT('/api/v1/events', { params: { header: ${header} } });`),
      probe('missing-tenant', `await client.GET('/api/v1/whoami', {});`),
      probe(
        'wrong-query',
        `await client.GET('/api/v1/workflows', { params: { header: ${header}, query: { status: 'opened' } } });`,
      ),
      probe(
        'wrong-response-use',
        `const { data } = await client.GET('/api/healthz'); const status: number | undefined = data?.status; return status;`,
      ),
    ];
    // Written like the probes, but right: it must pass, so the probes fail for what they get wrong.
    const control = probe(
      'control',
      `await client.GET('/api/v1/workflows', { params: { header: ${header}, query: { status: 'approved' } } });`,
    );
    let diagnostics: Map<string, string[]>;
    beforeAll(() => {
      diagnostics = typeCheck([__filename], [...probes, control]);
    });

    it('accepts this test file and a right call against the generated types', () => {
      const probeFiles = new Set(probes.map((p) => resolve(p.fileName)));
      expect([...diagnostics].filter(([file]) => !probeFiles.has(file)).flatMap(([, lines]) => lines)).toEqual([]);
    });

    it('rejects a wrong body, path, method, missing header, query value and response use', () => {
      expect(probes.filter((p) => !diagnostics.has(resolve(p.fileName))).map((p) => p.fileName)).toEqual([]);
    });
  });

  describe('against the running service', () => {
    const tenant = `oac-${randomUUID().slice(0, 8)}`;
    const header = { 'x-tenant-id': tenant };
    const traceId = 'renewal-1';
    const exceptionWorkflowId = `${traceId}:exception:ex-1`;
    let service: ServiceProcess;
    let clients: DocumentedClients;
    let anonymous: ApiClient;
    let reader: ApiClient;
    let writer: ApiClient;
    let admin: ApiClient;
    let endpointId: string;

    beforeAll(async () => {
      // No replay worker: the run this test queues stays queued, so that cancelling it is certain.
      service = await startService({
        ...GENEROUS_LIMITS,
        ...databaseEnv(),
        DG_WEBHOOK_ALLOW_PRIVATE: 'true',
        DG_REPLAY_WORKER_ENABLED: 'false',
      });
      clients = new DocumentedClients(service.baseUrl);
      anonymous = clients.client();
      reader = clients.client(DEV_TOKENS.reader);
      writer = clients.client(DEV_TOKENS.writer);
      admin = clients.client(DEV_TOKENS.admin);
    });
    afterAll(async () => {
      await service?.stop();
    });

    it('serves the probes, metrics and the caller', async () => {
      expect(await clients.expect(anonymous.GET('/api/healthz'), 200)).toEqual({ status: 'ok' });
      expect(await clients.expect(anonymous.GET('/api/readyz'), 200)).toEqual({ status: 'ready' });
      expect(await clients.expect(anonymous.GET('/metrics', { parseAs: 'text' }), 200)).toContain('# TYPE');
      const whoami = await clients.expect(reader.GET('/api/v1/whoami', { params: { header } }), 200);
      expect(whoami.data).toMatchObject({ account_id: 'dev-reader', tenant_id: tenant });
      const signIn = await clients.expect(anonymous.GET('/api/auth-config'), 200);
      expect(signIn.data).toEqual({ oidc: null });
    });

    it('registers a webhook endpoint before anything is notified', async () => {
      const body = { url: 'http://127.0.0.1:9/hook', description: 'client test', categories: [] };
      const created = await clients.expect(admin.POST('/api/v1/admin/webhooks', { params: { header }, body }), 201);
      expect(created.data.secret).toMatch(/^whsec_/);
      endpointId = created.data.endpoint_id;
    });

    it('appends events one by one and in a batch, and reads the feed and the trace', async () => {
      const started = await clients.expect(
        writer.POST('/api/v1/events', { params: { header }, body: anEvent('TraceStarted', 0, TRACE_STARTED) }),
        201,
      );
      expect(started.data.replayed).toBe(false);
      const batch = {
        events: [
          anEvent('PolicyEvaluated', 1, POLICY_EVALUATED),
          anEvent('ExceptionRequested', 2, EXCEPTION_REQUESTED),
        ],
      };
      const appended = await clients.expect(
        writer.POST('/api/v1/events/batch', { params: { header }, body: batch }),
        201,
      );
      expect(appended.data.events.map((e) => e.event.trace_seq)).toEqual([1, 2]);

      const feed = await clients.expect(
        reader.GET('/api/v1/events', { params: { header, query: { trace_id: traceId, limit: '10' } } }),
        200,
      );
      expect(feed.data.events.map((e) => e.event_type)).toEqual([
        'TraceStarted',
        'PolicyEvaluated',
        'ExceptionRequested',
      ]);
      const trace = await clients.expect(
        reader.GET('/api/v1/traces/{trace_id}', { params: { header, path: { trace_id: traceId } } }),
        200,
      );
      expect(trace.data.summary.event_count).toBe(3);
      expect(trace.data.workflows).toHaveLength(1);
    });

    it('lists, reads and acts on the exception review with If-Match and Idempotency-Key', async () => {
      const inbox = await clients.expect(
        reader.GET('/api/v1/workflows', {
          params: { header, query: { trace_id: traceId, only_open: 'true', limit: '5' } },
        }),
        200,
      );
      expect(inbox.data.items.map((i) => i.workflow_id)).toEqual([exceptionWorkflowId]);
      const path = { workflow_id: exceptionWorkflowId };
      const read = reader.GET('/api/v1/workflows/{workflow_id}', { params: { header, path } });
      const detail = await clients.expect(read, 200);
      expect(detail.data.workflow.status).toBe('requested');
      const etag = (await read).response.headers.get('etag') ?? '';
      expect(etag).toBe(`"${detail.data.workflow.version}"`);

      const headers = { ...header, 'If-Match': etag, 'Idempotency-Key': `approve-${tenant}` };
      const body = { action: 'approve' as const, reason: 'Within the regional cap', note: null };
      // The writer asked; the admin decides (SPEC §11.3).
      const acted = await clients.expect(
        admin.POST('/api/v1/workflows/{workflow_id}/actions', { params: { header: headers, path }, body }),
        200,
      );
      expect(acted.data.action.outcome).toBe('approved');
      const replayed = await clients.expect(
        admin.POST('/api/v1/workflows/{workflow_id}/actions', { params: { header: headers, path }, body }),
        200,
      );
      expect(replayed.data.action.action_id).toBe(acted.data.action.action_id);

      const after = await clients.expect(
        reader.GET('/api/v1/workflows/{workflow_id}', { params: { header, path } }),
        200,
      );
      expect(after.data.actions.map((a) => a.action_type)).toContain('approve');
      const actions = await clients.expect(
        reader.GET('/api/v1/workflows/{workflow_id}/actions', { params: { header, path, query: { limit: '2' } } }),
        200,
      );
      expect(actions.data.actions.map((a) => a.action_id)).toEqual(
        after.data.actions.slice(0, 2).map((a) => a.action_id),
      );
    });

    it('answers the decision long poll and opens the event stream', async () => {
      const path = { workflow_id: exceptionWorkflowId };
      const decision = await clients.expect(
        reader.GET('/api/v1/workflows/{workflow_id}/decision', {
          params: { header, path, query: { wait_seconds: '5' } },
        }),
        200,
      );
      expect(decision.data).toMatchObject({ decided: true, decision: 'approved' });
      const lastEventId = { ...header, 'Last-Event-ID': '0' };
      const first = await clients.expectStreamStart(
        reader.GET('/api/v1/stream', { params: { header: lastEventId }, parseAs: 'stream' }),
        200,
      );
      expect(first).toContain('retry:');
    });

    it('exports the item alone and in the NDJSON stream, each export as documented', async () => {
      const path = { workflow_id: exceptionWorkflowId };
      const single = await clients.expect(
        admin.GET('/api/v1/admin/workflows/{workflow_id}/export', { params: { header, path } }),
        200,
      );
      expect(single.data.workflow.workflow_id).toBe(exceptionWorkflowId);

      const query = { status: 'approved' as const, from: new Date(Date.now() - 3_600_000).toISOString() };
      const stream = await clients.expect(
        admin.GET('/api/v1/admin/exports/workflows', { params: { header, query }, parseAs: 'text' }),
        200,
      );
      const lines = stream
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      // The document gives the stream as text: each export line is checked against WorkflowExportDto here.
      expect(
        lines.slice(0, -1).flatMap((line) => clients.documented.checkComponent('WorkflowExportDto', line)),
      ).toEqual([]);
      expect(lines.slice(0, -1).map((line) => (line.workflow as { workflow_id: string }).workflow_id)).toEqual([
        exceptionWorkflowId,
      ]);
      expect(lines.at(-1)).toEqual({
        manifest: expect.objectContaining({ count: 1, digest: expect.any(String), signature: expect.any(String) }),
      });
    });

    it('lists the notifications of the tenant and of the item', async () => {
      const query = { workflow_id: exceptionWorkflowId, limit: '50' };
      const all = await clients.expect(reader.GET('/api/v1/notifications', { params: { header, query } }), 200);
      expect(all.data.notifications.length).toBeGreaterThan(0);
      const path = { workflow_id: exceptionWorkflowId };
      const own = await clients.expect(
        reader.GET('/api/v1/workflows/{workflow_id}/notifications', {
          params: { header, path, query: { limit: '50' } },
        }),
        200,
      );
      expect(own.data.notifications.map((n) => n.notification_id)).toEqual(
        all.data.notifications.map((n) => n.notification_id),
      );
    });

    it('finds the finished trace as a precedent', async () => {
      await clients.expect(
        writer.POST('/api/v1/events', {
          params: { header },
          body: anEvent('TraceFinished', 4, { outcome: 'success' }),
        }),
        201,
      );
      const query = { policy_id: 'discount-cap', policy_version: 'v3', outcome: 'success' as const };
      const found = await clients.expect(reader.GET('/api/v1/precedents', { params: { header, query } }), 200);
      expect(found.data.precedents.map((p) => p.trace_id)).toEqual([traceId]);
    });

    it('previews and starts a review of the trace in the studio', async () => {
      const templates = await clients.expect(
        reader.GET('/api/v1/workflow-studio/templates', { params: { header } }),
        200,
      );
      const template_id = templates.data.templates[0].template_id;
      const path = { trace_id: traceId };
      const preview = await clients.expect(
        reader.GET('/api/v1/workflow-studio/traces/{trace_id}', { params: { header, path, query: { template_id } } }),
        200,
      );
      expect(preview.data.template.template_id).toBe(template_id);
      const body = {
        reason: 'Check the approval',
        template_id,
        priority: 'high' as const,
        sla_hours: 4,
        assignee: { role: 'admin' },
      };
      const started = await clients.expect(
        writer.POST('/api/v1/workflow-studio/traces/{trace_id}/reviews', { params: { header, path }, body }),
        201,
      );
      expect(started.data.created).toBe(true);
    });

    it('manages the webhook endpoint and redelivers one of its deliveries', async () => {
      const path = { endpoint_id: endpointId };
      const listed = await clients.expect(admin.GET('/api/v1/admin/webhooks', { params: { header } }), 200);
      expect(listed.data.endpoints.map((e) => e.endpoint_id)).toEqual([endpointId]);
      expect(
        (await clients.expect(admin.GET('/api/v1/admin/webhooks/{endpoint_id}', { params: { header, path } }), 200))
          .data.url,
      ).toBe('http://127.0.0.1:9/hook');
      const body = { description: null, categories: [], enabled: true };
      const updated = await clients.expect(
        admin.PATCH('/api/v1/admin/webhooks/{endpoint_id}', { params: { header, path }, body }),
        200,
      );
      expect(updated.data.description).toBeNull();

      const deliveries = await clients.expect(
        admin.GET('/api/v1/admin/webhooks/{endpoint_id}/deliveries', {
          params: { header, path, query: { limit: '100' } },
        }),
        200,
      );
      expect(deliveries.data.deliveries.length).toBeGreaterThan(0);
      const delivery_id = deliveries.data.deliveries[0].delivery_id;
      const redelivered = await clients.expect(
        admin.POST('/api/v1/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver', {
          params: { header, path: { ...path, delivery_id } },
        }),
        202,
      );
      expect(redelivered.data.status).toBe('pending');
      const rotated = await clients.expect(
        admin.POST('/api/v1/admin/webhooks/{endpoint_id}/rotate-secret', {
          params: { header, path },
          body: { overlap_seconds: 60 },
        }),
        200,
      );
      expect(rotated.data.secret).toMatch(/^whsec_/);
      expect(rotated.data.previous_secret_expires_at).not.toBeNull();
      const deleted = await clients.expect(
        admin.DELETE('/api/v1/admin/webhooks/{endpoint_id}', { params: { header, path } }),
        200,
      );
      expect(deleted.data).toEqual({ endpoint_id: endpointId, deleted: true });
    });

    it('authors, versions and retires a workflow policy and a review template', async () => {
      // The generated types make fields with a default required (openapi-typescript's defaultNonNullable).
      const defaults = { pause_on_changes_requested: false, required_approvals: 1 };
      const policy = {
        policy_id: 'client-desk',
        name: 'Client desk',
        sla_minutes: 240,
        warning_thresholds: [50],
        ...defaults,
      };
      const created = await clients.expect(
        admin.POST('/api/v1/admin/policies', { params: { header }, body: policy }),
        201,
      );
      expect(created.data).toMatchObject({ policy_id: 'client-desk', version: 1, status: 'active' });
      const policies = await clients.expect(admin.GET('/api/v1/admin/policies', { params: { header } }), 200);
      expect(policies.data.policies.map((p) => p.policy_id)).toEqual(['client-desk']);
      const path = { policy_id: 'client-desk' };
      const updated = await clients.expect(
        admin.PUT('/api/v1/admin/policies/{policy_id}', {
          params: { header, path },
          body: { name: 'Client desk', sla_minutes: 120, ...defaults },
        }),
        200,
      );
      expect(updated.data.version).toBe(2);
      const first = await clients.expect(
        admin.GET('/api/v1/admin/policies/{policy_id}', { params: { header, path, query: { version: '1' } } }),
        200,
      );
      expect(first.data.sla_minutes).toBe(240);
      const retired = await clients.expect(
        admin.POST('/api/v1/admin/policies/{policy_id}/retire', { params: { header, path } }),
        200,
      );
      expect(retired.data.status).toBe('retired');

      const templateDefaults = {
        description: '',
        workflow_kind: 'incident_review',
        default_priority: 'normal' as const,
        reviewer_role: 'admin',
        required_approvals: 1,
      };
      const template = {
        template_id: 'client_review',
        title: 'Client review',
        default_sla_hours: 3,
        ...templateDefaults,
      };
      const made = await clients.expect(
        admin.POST('/api/v1/admin/review-templates', { params: { header }, body: template }),
        201,
      );
      expect(made.data).toMatchObject({ template_id: 'client_review', version: 1 });
      const templates = await clients.expect(admin.GET('/api/v1/admin/review-templates', { params: { header } }), 200);
      expect(templates.data.review_templates.map((t) => t.template_id)).toEqual(['client_review']);
      const tpath = { template_id: 'client_review' };
      const changed = await clients.expect(
        admin.PUT('/api/v1/admin/review-templates/{template_id}', {
          params: { header, path: tpath },
          body: { title: 'Client review', default_sla_hours: 5, ...templateDefaults },
        }),
        200,
      );
      expect(changed.data.version).toBe(2);
      const read = await clients.expect(
        admin.GET('/api/v1/admin/review-templates/{template_id}', { params: { header, path: tpath } }),
        200,
      );
      expect(read.data.default_sla_hours).toBe(5);
      await clients.expect(
        admin.POST('/api/v1/admin/review-templates/{template_id}/retire', { params: { header, path: tpath } }),
        200,
      );
    });

    it('reads projection health and queues, lists, reads and cancels a replay run', async () => {
      const health = await clients.expect(reader.GET('/api/v1/projections/health', { params: { header } }), 200);
      expect(health.data.projections.map((p) => p.projection_name)).toContain('trace_summary');
      const body = { mode: 'verify' as const, projection: 'all' as const, reason: 'client test' };
      const queued = await clients.expect(admin.POST('/api/v1/admin/replays', { params: { header }, body }), 202);
      const job_id = queued.data.run.job_id;
      const runs = await clients.expect(
        admin.GET('/api/v1/admin/replays', { params: { header, query: { status: 'queued' } } }),
        200,
      );
      expect(runs.data.runs.map((r) => r.job_id)).toEqual([job_id]);
      const one = await clients.expect(
        admin.GET('/api/v1/admin/replays/{job_id}', { params: { header, path: { job_id } } }),
        200,
      );
      expect(one.data.run.status).toBe('queued');
      const cancelled = await clients.expect(
        admin.POST('/api/v1/admin/replays/{job_id}/cancel', { params: { header, path: { job_id } } }),
        200,
      );
      expect(cancelled.data.run.status).toBe('cancelled');
    });

    it('has driven every operation of the document', () => {
      expect(clients.documented.operations().filter((operation) => !clients.driven.has(operation))).toEqual([]);
    });

    function anEvent(
      event_type: EventEnvelope['event_type'],
      trace_seq: number,
      payload: Record<string, unknown>,
    ): EventEnvelope {
      const id = randomUUID();
      return {
        event_id: `evt-${id}`,
        trace_id: traceId,
        trace_seq,
        event_type,
        occurred_at: new Date(Date.now() - 60_000).toISOString(),
        source: { producer_id: 'pricing-agent', system: 'pricing', subsystem: 'renewals' },
        actor: { actor_id: 'agent-7', actor_type: 'agent' },
        idempotency_key: `idem-${id}`,
        payload,
        correlation_id: `corr-${traceId}`,
        causation_event_id: null,
        schema_version: 1,
        tags: ['openapi-client'],
      };
    }
  });
});

const TRACE_STARTED = {
  workflow: 'renewal',
  title: 'Renew ACME contract',
  primary_entity: { entity_type: 'account', entity_id: 'acme-1', system: 'crm' },
};
const POLICY_EVALUATED = {
  policy: { policy_id: 'discount-cap', policy_version: 'v3' },
  inputs: [],
  decision: 'require_exception',
};
const EXCEPTION_REQUESTED = {
  exception_id: 'ex-1',
  policy: { policy_id: 'discount-cap', policy_version: 'v3' },
  reason: 'Discount above cap',
};

/** The child service's database: the PostgreSQL one the tests run on, or its own in-memory one. */
function databaseEnv(): Record<string, string> {
  const url = process.env.DATABASE_URL ?? '';
  if (/^postgres(ql)?:\/\//.test(url)) return { DATABASE_URL: url, DG_MIGRATE_ON_START: 'true' };
  return { DATABASE_URL: 'pglite:memory://' };
}
