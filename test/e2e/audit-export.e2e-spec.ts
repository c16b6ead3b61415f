import type { NestExpressApplication } from '@nestjs/platform-express';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { verifyManifest, verifyWorkflowExport, bytesDigest } from '../../src/audit-export/export-verification';
import { serviceAccountsEnv } from '../factories/service-accounts';
import { anEvent } from '../factories/events';
import { act, anException, Api, openException, overridePhrase } from '../factories/workflows';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { uniqueTenant, useTestApp } from '../setup/test-app';

const run = promisify(execFile);
const keys = generateKeyPairSync('ed25519');
const PUBLIC_PEM = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ALL_BUT_EXPORT = [
  'workflow_review',
  'workflow_assign',
  'workflow_escalate',
  'workflow_override',
  'projection_replay',
  'projection_rebuild',
  'webhook_manage',
];
const TOKENS = {
  admin: 'exp-admin-token',
  adminNoExport: 'exp-admin-noexport-token',
  writer: 'exp-writer-token',
  reader: 'exp-reader-token',
};

const exportPath = (workflowId: string) => `/api/v1/admin/workflows/${encodeURIComponent(workflowId)}/export`;

/** The bulk stream's exact bytes (supertest would otherwise not buffer an unknown content type). */
function bulk(app: NestExpressApplication, tenant: string, query = '', token = TOKENS.admin) {
  return request(app.getHttpServer())
    .get(`/api/v1/admin/exports/workflows${query}`)
    .set({ 'x-tenant-id': tenant, authorization: `Bearer ${token}` })
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
}

/** Splits an NDJSON body into its lines, each with the newline that ends it. */
function linesOf(body: Buffer): string[] {
  return body.toString('utf8').split(/(?<=\n)/);
}

async function verifyCli(dir: string, name: string, content: string): Promise<{ code: number; stdout: string }> {
  const file = join(dir, name);
  writeFileSync(file, content);
  try {
    const { stdout } = await run(process.execPath, [
      'dist/cli/main.js',
      'verify-export',
      file,
      '--public-key',
      join(dir, 'public.pem'),
    ]);
    return { code: 0, stdout };
  } catch (e) {
    const failed = e as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('audit export (SPEC §9)', () => {
  let tenant: string;
  let writer: Api;
  let admin: Api;
  let dir: string;

  const app = useTestApp({
    env: {
      ...GENEROUS_LIMITS,
      DG_EXPORT_SIGNING_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      DG_EXPORT_KEY_ID: 'e2e-key',
      DG_SERVICE_ACCOUNTS: serviceAccountsEnv([
        {
          account_id: 'auditor',
          roles: ['admin'],
          tenant_ids: ['*'],
          permissions: ['*'],
          tokens: [{ token: TOKENS.admin }],
        },
        {
          account_id: 'ops',
          roles: ['admin'],
          tenant_ids: ['*'],
          permissions: ALL_BUT_EXPORT,
          tokens: [{ token: TOKENS.adminNoExport }],
        },
        {
          account_id: 'rev',
          roles: ['writer'],
          tenant_ids: ['*'],
          permissions: ['workflow_review', 'workflow_assign'],
          tokens: [{ token: TOKENS.writer }],
        },
        { account_id: 'viewer', roles: ['reader'], tenant_ids: ['*'], tokens: [{ token: TOKENS.reader }] },
      ]),
    },
  });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dg-export-'));
    writeFileSync(join(dir, 'public.pem'), PUBLIC_PEM);
  });
  beforeEach(() => {
    tenant = uniqueTenant('exp');
    writer = apiAs(app, tenant, TOKENS.writer);
    admin = apiAs(app, tenant, TOKENS.admin);
  });

  describe('one item', () => {
    it('exports an approved item with every action, every notification, the trace’s events and a verifying integrity block', async () => {
      const { workflowId, path } = await openException(writer, 'exp-appr');
      await act(writer, workflowId, { action: 'comment', note: 'Checked the contract' }).expect(200);
      await act(writer, workflowId, { action: 'approve', reason: 'Within the regional cap' }).expect(200);
      const detail = (await writer.get(path).expect(200)).body.data;
      const trace = (await writer.get('/api/v1/traces/exp-appr').expect(200)).body.data;
      const notifications = (await writer.get(`${path}/notifications?limit=200`).expect(200)).body.data.notifications;

      const res = await admin.get(exportPath(workflowId)).expect(200);
      const exported = res.body.data;
      expect(res.body.request_id).toEqual(expect.any(String));
      expect(exported).toMatchObject({
        export_version: 1,
        exported_at: expect.any(String),
        trace_reference: detail.trace_reference,
      });
      expect(exported.workflow).toEqual({ ...detail.workflow, overdue: false });
      expect(exported.workflow_actions).toEqual(detail.actions);
      expect(exported.workflow_actions.map((a: { action_type: string }) => a.action_type)).toEqual([
        'requested',
        'comment',
        'approval_recorded',
        'approve',
      ]);
      expect(exported.workflow_notifications).toEqual([...notifications].reverse());
      expect(exported.workflow_notifications.map((n: { category: string }) => n.category)).toEqual([
        'assignment',
        'approval',
      ]);
      expect(exported.trace_events).toEqual(trace.events);
      expect(exported.audit_summary).toEqual({
        action_count: 4,
        closed: true,
        current_decision: 'approved',
        notification_count: 2,
        overdue: false,
        workflow_kind: 'exception_review',
      });
      expect(exported.integrity).toMatchObject({
        event_chain_head: trace.events.at(-1).event_hash,
        action_chain_head: detail.actions.at(-1).action_hash,
        key_id: 'e2e-key',
        alg: 'ed25519',
      });
      expect(verifyWorkflowExport(exported, keys.publicKey)).toEqual([]);
    });

    it('refuses an admin without workflow_export, writers and readers', async () => {
      const { workflowId } = await openException(writer, 'exp-perm');
      const noExport = await apiAs(app, tenant, TOKENS.adminNoExport).get(exportPath(workflowId)).expect(403);
      expect(noExport.body.error).toMatchObject({
        code: 'forbidden',
        message: expect.stringContaining('workflow_export'),
      });
      await writer.get(exportPath(workflowId)).expect(403);
      await apiAs(app, tenant, TOKENS.reader).get(exportPath(workflowId)).expect(403);
      await apiAs(app, tenant, TOKENS.adminNoExport).get('/api/v1/admin/exports/workflows').expect(403);
    });

    it('answers 404 for an unknown id and for another tenant’s item', async () => {
      const { workflowId } = await openException(writer, 'exp-iso');
      const unknown = await admin.get(exportPath('nope:exception:x')).expect(404);
      expect(unknown.body.error).toMatchObject({ code: 'not_found', message: 'Workflow not found: nope:exception:x' });
      await apiAs(app, uniqueTenant('other'), TOKENS.admin).get(exportPath(workflowId)).expect(404);
    });
  });

  describe('many items as NDJSON', () => {
    async function threeItems() {
      const approved = await openException(writer, 'bulk-a');
      const rejected = await openException(writer, 'bulk-b');
      const open = await openException(writer, 'bulk-c');
      await act(writer, approved.workflowId, { action: 'approve', reason: 'ok' }).expect(200);
      await act(writer, rejected.workflowId, { action: 'reject', reason: 'no' }).expect(200);
      return [approved.workflowId, rejected.workflowId, open.workflowId];
    }

    it('streams one verifying export per item by workflow_id, then a manifest signed over the bytes before it', async () => {
      const ids = await threeItems();
      const res = await bulk(app, tenant).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = linesOf(res.body);
      expect(lines).toHaveLength(4);
      expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
      const exports = lines.slice(0, 3).map((l) => JSON.parse(l));
      expect(exports.map((e) => e.workflow.workflow_id)).toEqual([...ids].sort());
      for (const e of exports) expect(verifyWorkflowExport(e, keys.publicKey)).toEqual([]);
      const digest = bytesDigest();
      digest.update(Buffer.from(lines.slice(0, 3).join(''), 'utf8'));
      const { manifest } = JSON.parse(lines[3]);
      expect(manifest).toMatchObject({ count: 3, key_id: 'e2e-key', alg: 'ed25519' });
      expect(verifyManifest(manifest, 3, digest.tagged(), keys.publicKey)).toEqual([]);
    });

    it('writes a trace longer than the streaming chunk whole into each of its items’ lines (SPEC §15)', async () => {
      const events = [anEvent('TraceStarted', { trace_id: 'long' })];
      for (let seq = 1; seq <= 1_100; seq++)
        events.push(anEvent('InputObserved', { trace_id: 'long', trace_seq: seq }));
      for (let i = 0; i < events.length; i += 500) {
        await writer.post('/api/v1/events/batch', { events: events.slice(i, i + 500) }).expect(201);
      }
      for (const [seq, exceptionId] of [
        [1_101, 'ex-a'],
        [1_102, 'ex-b'],
      ] as const) {
        await writer.post('/api/v1/events', anException('long', seq, { exception_id: exceptionId })).expect(201);
      }
      const lines = linesOf((await bulk(app, tenant).expect(200)).body);
      expect(lines).toHaveLength(3);
      const exports = lines.slice(0, 2).map((l) => JSON.parse(l));
      for (const e of exports) {
        expect(verifyWorkflowExport(e, keys.publicKey)).toEqual([]);
        expect(e.trace_events.map((x: { trace_seq: number }) => x.trace_seq)).toEqual(
          Array.from({ length: 1_103 }, (_, seq) => seq),
        );
        expect(e.integrity.event_chain_head).toBe(e.trace_events.at(-1).event_hash);
      }
      const digest = bytesDigest();
      digest.update(Buffer.from(lines.slice(0, 2).join(''), 'utf8'));
      expect(verifyManifest(JSON.parse(lines[2]).manifest, 2, digest.tagged(), keys.publicKey)).toEqual([]);
    });

    it('filters by status and by updated_at, and is empty (a manifest alone) for a tenant without items', async () => {
      const [approved] = await threeItems();
      const onlyApproved = linesOf((await bulk(app, tenant, '?status=approved').expect(200)).body);
      expect(onlyApproved).toHaveLength(2);
      expect(JSON.parse(onlyApproved[0]).workflow.workflow_id).toBe(approved);

      const future = new Date(Date.now() + 3_600_000).toISOString();
      const none = linesOf((await bulk(app, tenant, `?from=${future}`).expect(200)).body);
      expect(none).toHaveLength(1);
      expect(JSON.parse(none[0]).manifest).toMatchObject({ count: 0 });
      const all = linesOf((await bulk(app, tenant, `?from=2020-01-01T00:00:00Z&to=${future}`).expect(200)).body);
      expect(all).toHaveLength(4);
      const empty = linesOf((await bulk(app, uniqueTenant('empty')).expect(200)).body);
      expect(JSON.parse(empty[0]).manifest.count).toBe(0);
    });

    it.each([
      ['?from=yesterday', 'from must be an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z'],
      ['?to=2026-02-30T00:00:00Z', 'to must be an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z'],
      ['?from=2026-W01', 'from must be an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z'],
      ['?from=2026-001', 'from must be an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z'],
      ['?to=20260101T000000Z', 'to must be an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z'],
      ['?from=0000-01-01T00:00:00Z', 'from must be an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z'],
      ['?status=open', 'status must be one of'],
      ['?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from must not be after to'],
      ['?format=csv', 'property format should not exist'],
    ])('answers 400 for %s', async (query, message) => {
      const res = await admin.get(`/api/v1/admin/exports/workflows${query}`).expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining(message) });
    });
  });

  describe('verify-export CLI', () => {
    let single: Record<string, any>;
    let bulkText: string;
    beforeAll(async () => {
      const t = uniqueTenant('cli');
      const w = apiAs(app, t, TOKENS.writer);
      const { workflowId } = await openException(w, 'cli-a');
      await act(w, workflowId, { action: 'request_change', reason: 'Attach the quote' }).expect(200);
      await act(w, workflowId, { action: 'approve', reason: 'Quote attached' }).expect(200);
      await openException(w, 'cli-b');
      // Asked by the writer (as the admin's counterpart), so that the admin may override it (SPEC §11.3).
      const overridden = await openException(apiAs(app, t, TOKENS.admin), 'cli-c');
      await act(apiAs(app, t, TOKENS.admin), overridden.workflowId, {
        action: 'override',
        reason: 'CFO call',
        confirm_text: overridePhrase(overridden.workflowId),
      }).expect(200);
      single = (await apiAs(app, t, TOKENS.admin).get(exportPath(workflowId)).expect(200)).body;
      bulkText = (await bulk(app, t).expect(200)).body.toString('utf8');
    });
    const edited = (edit: (data: Record<string, any>) => void) => {
      const copy = JSON.parse(JSON.stringify(single.data));
      edit(copy);
      return JSON.stringify(copy, null, 2);
    };

    it('verifies an untouched export, as the whole response or its data, and an untouched bulk file', async () => {
      expect(await verifyCli(dir, 'response.json', JSON.stringify(single))).toEqual({
        code: 0,
        stdout: 'OK workflow export: digest, signature and hash chains verify\n',
      });
      expect((await verifyCli(dir, 'data.json', JSON.stringify(single.data, null, 2))).code).toBe(0);
      expect(await verifyCli(dir, 'bulk.ndjson', bulkText)).toEqual({
        code: 0,
        stdout: 'OK bulk export of 3 workflow(s): digest, signature and hash chains verify\n',
      });
    });

    it.each([
      [
        'a changed reason',
        (d: Record<string, any>) => (d.workflow.current_reason = 'Quote not needed'),
        /FAIL integrity.digest does not match the content/,
      ],
      [
        'a removed action',
        (d: Record<string, any>) => d.workflow_actions.splice(1, 1),
        /FAIL workflow_actions\[1\] \(action_id "[^"]+"\): prev_action_hash does not link/,
      ],
      [
        'a reordered event',
        (d: Record<string, any>) => d.trace_events.reverse(),
        /FAIL trace_events\[0\] \(event_id "[^"]+"\): trace_seq is \d, expected 0/,
      ],
      [
        'a swapped signature',
        (d: Record<string, any>) =>
          (d.integrity.signature = Buffer.from(d.integrity.signature, 'base64').reverse().toString('base64')),
        /^FAIL integrity.signature does not verify with the given public key\nworkflow export: 1 check\(s\) failed\n$/,
      ],
    ])('reports %s and exits 1', async (_what, edit, expected) => {
      const result = await verifyCli(dir, 'edited.json', edited(edit));
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(expected);
    });

    it('reports an edited, a removed and a truncated line of a bulk file', async () => {
      const lines = bulkText.split(/(?<=\n)/);
      const changed = [lines[0].replace('"status":"approved"', '"status":"rejected"'), ...lines.slice(1)].join('');
      expect((await verifyCli(dir, 'b1.ndjson', changed)).stdout).toMatch(
        /FAIL line 1 \(workflow [^)]+\): integrity.digest does not match[\s\S]*FAIL line 4: manifest.digest does not match/,
      );
      const removed = await verifyCli(dir, 'b2.ndjson', [lines[0], ...lines.slice(2)].join(''));
      expect(removed.code).toBe(1);
      expect(removed.stdout).toContain('FAIL line 3: manifest.count is 3 but the file has 2 export lines');
      const truncated = await verifyCli(dir, 'b3.ndjson', lines.slice(0, 3).join(''));
      expect(truncated.stdout).toContain('FAIL line 3: the last line is not a manifest');
    });
  });
});
