import { generateKeyPairSync } from 'node:crypto';
import { canonicalJson, sha256Tagged } from '../common/canonical-json';
import { eventHash, payloadHash } from '../ingestion/event-hashing';
import type { StoredEvent } from '../ingestion/stored-event';
import type { NotificationRecord } from '../notifications/notification';
import { chainAction, type WorkflowActionRecord } from '../workflow/workflow-action';
import { WITHOUT_POLICY, type WorkflowItem } from '../workflow/workflow-item';
import { digestSignatureValid, signDigest } from './export-signature';
import { verifyManifest, verifyWorkflowExport } from './export-verification';
import { streamWorkflowExport } from './streamed-export';
import { buildWorkflowExport, exportDigest, type WorkflowExportParts } from './workflow-export';

const keys = generateKeyPairSync('ed25519');
const signer = { keyId: 'test-key', sign: (digest: string) => signDigest(digest, keys.privateKey) };
const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

function item(): WorkflowItem {
  return {
    tenant_id: 'acme',
    workflow_id: 'tr-1:exception:ex-1',
    trace_id: 'tr-1',
    workflow_kind: 'exception_review',
    workflow_name: 'renewal',
    subject_type: 'exception',
    subject_id: 'ex-1',
    status: 'requested',
    priority: 'normal',
    title: 'Discount above cap',
    policy_id: 'discount-cap',
    policy_version: 'v3',
    requested_by_actor: { actor_id: 'agent-7', actor_type: 'agent' },
    assigned_account_id: null,
    assigned_role: 'reviewer',
    claimed_by_account_id: null,
    requested_at: at(1),
    sla_due_at: at(60 * 24),
    updated_at: at(1),
    resolved_at: null,
    last_action_type: null,
    last_action_at: null,
    current_decision: null,
    current_reason: null,
    approval_event_id: null,
    created_from_event_id: 'e-1',
    last_source_log_seq: 2,
    escalation_count: 0,
    deadline_risk_notified_for: null,
    metadata: {},
    version: 1,
    last_action_hash: null,
    action_count: 0,
    requested_by: 'policy-engine',
    required_approvals: 2,
    approvals: [],
    ...WITHOUT_POLICY,
  };
}

function events(): StoredEvent[] {
  const out: StoredEvent[] = [];
  ['TraceStarted', 'ExceptionRequested', 'ApprovalRecorded'].forEach((type, seq) => {
    const payload = { step: seq, note: 'ünïcode 😀' };
    const unhashed = {
      tenant_id: 'acme',
      log_seq: seq + 1,
      event_id: `e-${seq}`,
      trace_id: 'tr-1',
      trace_seq: seq,
      event_type: type,
      occurred_at: at(seq).toISOString(),
      recorded_at: at(seq).toISOString(),
      source: { producer_id: 'agent', system: 'crm' },
      actor: { actor_type: 'agent', actor_id: 'agent-7' },
      idempotency_key: `k-${seq}`,
      correlation_id: null,
      causation_event_id: null,
      schema_version: 1,
      tags: [],
      payload,
      payload_hash: payloadHash(payload),
      prev_event_hash: out.at(-1)?.event_hash ?? null,
      // The chain spans both hash versions: the first event was stored before attribution (SPEC §11.1).
      recorded_by: seq === 0 ? null : 'policy-engine',
      hash_version: seq === 0 ? 1 : 2,
    } as unknown as Omit<StoredEvent, 'event_hash'>;
    out.push({ ...unhashed, event_hash: eventHash(unhashed) } as StoredEvent);
  });
  return out;
}

function parts(): WorkflowExportParts {
  const wf = item();
  const actor = { actor_id: 'alice', actor_type: 'service_account', account_id: 'alice' };
  const actions: WorkflowActionRecord[] = [
    chainAction(wf, {
      action_id: 'a-0',
      action_type: 'requested',
      actor,
      note: null,
      payload: {},
      source_event_id: 'e-1',
      resulting_status: 'requested',
      created_at: at(1),
    }),
    chainAction(wf, {
      action_id: 'a-1',
      action_type: 'comment',
      actor,
      note: 'looks fine',
      payload: {},
      source_event_id: null,
      resulting_status: 'requested',
      created_at: at(2),
    }),
    chainAction(wf, {
      action_id: 'a-2',
      action_type: 'approve',
      actor,
      note: null,
      payload: { reason: 'within budget' },
      source_event_id: 'e-2',
      resulting_status: 'approved',
      created_at: at(3),
    }),
  ];
  Object.assign(wf, { status: 'approved', current_decision: 'approved', resolved_at: at(3) });
  const notifications: NotificationRecord[] = [
    {
      notification_id: 'n-1',
      tenant_id: 'acme',
      workflow_id: wf.workflow_id,
      category: 'assignment',
      channel: 'operator_console',
      dedupe_key: 'assignment:x:reviewer',
      recipient_account_id: null,
      recipient_role: 'reviewer',
      message: 'assigned',
      payload: {},
      created_at: at(1).toISOString(),
      seq: 1,
    },
  ];
  return { item: wf, actions, notifications, events: events() };
}

/** The export as a client receives it: JSON, edited in place by the test. */
const exported = () => JSON.parse(JSON.stringify(buildWorkflowExport(parts(), at(10), signer))) as Record<string, any>;
const verify = (e: unknown) => verifyWorkflowExport(e, keys.publicKey);

describe('buildWorkflowExport', () => {
  it('holds SPEC §9’s fields, a digest over the canonical body without integrity, and a signature of that digest', () => {
    const e = exported();
    expect(Object.keys(e)).toEqual([
      'export_version',
      'exported_at',
      'workflow',
      'workflow_actions',
      'workflow_notifications',
      'trace_reference',
      'trace_events',
      'audit_summary',
      'integrity',
    ]);
    expect(e.audit_summary).toEqual({
      action_count: 3,
      closed: true,
      current_decision: 'approved',
      notification_count: 1,
      overdue: false,
      workflow_kind: 'exception_review',
    });
    const { integrity, ...body } = e;
    expect(integrity.digest).toBe(sha256Tagged(canonicalJson(body)));
    expect(integrity).toMatchObject({
      key_id: 'test-key',
      alg: 'ed25519',
      event_chain_head: e.trace_events[2].event_hash,
      action_chain_head: e.workflow_actions[2].action_hash,
    });
    expect(digestSignatureValid(integrity.digest, integrity.signature, keys.publicKey)).toBe(true);
  });

  it('reports an open item past its due time as overdue at exported_at, and empty chains as null heads', () => {
    const p = parts();
    Object.assign(p.item, { status: 'escalated', sla_due_at: at(5) });
    const e = buildWorkflowExport({ ...p, actions: [], events: [] }, at(10), signer);
    expect(e.audit_summary).toMatchObject({ overdue: true, closed: false, action_count: 0 });
    expect(e.integrity).toMatchObject({ event_chain_head: null, action_chain_head: null });
    expect(verify(JSON.parse(JSON.stringify(e)))).toEqual([]);
  });
});

describe('verifyWorkflowExport', () => {
  it('accepts an untouched export', () => {
    expect(verify(exported())).toEqual([]);
  });

  it('detects a changed reason through the digest', () => {
    const e = exported();
    e.workflow_actions[2].payload.reason = 'because I said so';
    expect(verify(e)).toEqual([
      expect.stringContaining('integrity.digest does not match the content'),
      expect.stringContaining('workflow_actions[2] (action_id "a-2"): action_hash does not match'),
    ]);
  });

  it('detects a removed action through the chain, even with the digest recomputed', () => {
    const e = exported();
    e.workflow_actions.splice(1, 1);
    e.integrity.digest = exportDigest(e);
    const problems = verify(e);
    expect(problems).toContain('integrity.signature does not verify with the given public key');
    expect(problems).toContain(
      'workflow_actions[1] (action_id "a-2"): prev_action_hash does not link to the previous action (actions missing or out of order)',
    );
  });

  it('detects reordered events', () => {
    const e = exported();
    [e.trace_events[0], e.trace_events[1]] = [e.trace_events[1], e.trace_events[0]];
    const problems = verify(e);
    expect(problems[0]).toMatch(/integrity.digest does not match/);
    expect(problems).toContain(
      'trace_events[0] (event_id "e-1"): trace_seq is 1, expected 0 (events missing or out of order)',
    );
    expect(problems).toContain('trace_events[0] (event_id "e-1"): prev_event_hash does not link to the previous event');
  });

  it('detects a swapped signature (another export’s) and a wrong public key', () => {
    const e = exported();
    const other = exported();
    other.exported_at = at(11).toISOString();
    other.integrity = buildWorkflowExport(parts(), at(11), signer).integrity;
    e.integrity.signature = other.integrity.signature;
    expect(verify(e)).toEqual(['integrity.signature does not verify with the given public key']);
    expect(verifyWorkflowExport(exported(), generateKeyPairSync('ed25519').publicKey)).toEqual([
      'integrity.signature does not verify with the given public key',
    ]);
  });

  it('detects an edited payload through its payload hash and a moved chain head', () => {
    const e = exported();
    e.trace_events[0].payload.step = 9;
    e.integrity.event_chain_head = e.trace_events[1].event_hash;
    expect(verify(e)).toEqual(
      expect.arrayContaining([
        'trace_events[0] (event_id "e-0"): payload_hash does not match the payload',
        expect.stringMatching(/^integrity.event_chain_head is "sha256:[0-9a-f]+", the last event's hash is/),
      ]),
    );
  });

  it('names what is missing in something that is not an export', () => {
    expect(verify([])).toEqual(['not a workflow export: expected an object with "workflow" and "integrity"']);
    const e = exported();
    delete e.trace_events;
    e.integrity.alg = 'rsa';
    expect(verify(e)).toEqual(
      expect.arrayContaining(['trace_events is missing', 'integrity.alg is "rsa", expected "ed25519"']),
    );
  });
});

describe('verifyManifest', () => {
  const digest = 'sha256:' + 'ab'.repeat(32);
  const manifest = { count: 2, digest, signature: signDigest(digest, keys.privateKey), key_id: 'k', alg: 'ed25519' };

  it('accepts a manifest whose count, digest and signature match', () => {
    expect(verifyManifest(manifest, 2, digest, keys.publicKey)).toEqual([]);
  });

  it('reports a wrong count, a digest of other bytes and a missing manifest', () => {
    expect(verifyManifest(manifest, 3, 'sha256:00', keys.publicKey)).toEqual([
      'manifest.count is 2 but the file has 3 export lines',
      `manifest.digest does not match the content: recorded "${digest}", computed sha256:00`,
    ]);
    expect(verifyManifest(undefined, 0, digest, keys.publicKey)).toEqual([
      'the last line is not a manifest: expected {"manifest": {…}}',
    ]);
  });
});

describe(streamWorkflowExport.name, () => {
  /** The pieces of one streamed line, reading the events `chunk` at a time (and recording the largest read). */
  async function streamed(source: WorkflowExportParts, chunk: number) {
    const { events: all, ...head } = source;
    const reads: number[] = [];
    const readEvents = async (after: number) => {
      const found = all.filter((e) => e.trace_seq > after).slice(0, chunk);
      reads.push(found.length);
      return found;
    };
    const pieces: string[] = [];
    for await (const piece of streamWorkflowExport(head, at(10), signer, readEvents)) pieces.push(piece);
    return { text: pieces.join(''), reads };
  }

  it.each([1, 2, 100])('writes the bytes of the in-memory export, reading %d event(s) at a time', async (chunk) => {
    const source = parts();
    const { text, reads } = await streamed(source, chunk);
    expect(text).toBe(`${canonicalJson(buildWorkflowExport(source, at(10), signer))}\n`);
    expect(Math.max(...reads)).toBeLessThanOrEqual(chunk);
    expect(verify(JSON.parse(text))).toEqual([]);
  });

  it('writes an item whose trace has no events', async () => {
    const source = { ...parts(), events: [] };
    const { text } = await streamed(source, 10);
    expect(text).toBe(`${canonicalJson(buildWorkflowExport(source, at(10), signer))}\n`);
  });
});
