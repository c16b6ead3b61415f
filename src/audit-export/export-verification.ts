import { createHash, KeyObject } from 'node:crypto';
import { eventHash, payloadHash } from '../ingestion/event-hashing';
import type { NewEvent } from '../ingestion/stored-event';
import { actionHash, type ActionJson } from '../workflow/workflow-action';
import { digestSignatureValid, EXPORT_SIGNATURE_ALG } from './export-signature';
import { exportDigest } from './workflow-export';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every check SPEC §9 makes possible offline on one export: the digest of the body, the signature
 * of the digest, and both hash chains (the trace's events and the item's actions) with their heads.
 * Returns what fails, each message naming the field; an empty list means the export verifies.
 */
export function verifyWorkflowExport(exported: unknown, publicKey: KeyObject): string[] {
  if (!isObject(exported) || !isObject(exported.integrity) || !isObject(exported.workflow)) {
    return ['not a workflow export: expected an object with "workflow" and "integrity"'];
  }
  const integrity = exported.integrity;
  const problems: string[] = [];
  if (integrity.alg !== EXPORT_SIGNATURE_ALG)
    problems.push(`integrity.alg is ${JSON.stringify(integrity.alg)}, expected "${EXPORT_SIGNATURE_ALG}"`);
  problems.push(...checkDigestAndSignature('integrity', exportDigest(exported), integrity, publicKey));
  const events = Array.isArray(exported.trace_events) ? exported.trace_events : undefined;
  const actions = Array.isArray(exported.workflow_actions) ? exported.workflow_actions : undefined;
  if (!events) problems.push('trace_events is missing');
  else problems.push(...checkEventChain(events, exported.workflow, integrity.event_chain_head));
  if (!actions) problems.push('workflow_actions is missing');
  else problems.push(...checkActionChain(actions, integrity.action_chain_head));
  return problems;
}

/** The manifest line of a bulk export: count, the digest of the preceding bytes, the signature. */
export function verifyManifest(manifest: unknown, count: number, digest: string, publicKey: KeyObject): string[] {
  if (!isObject(manifest)) return ['the last line is not a manifest: expected {"manifest": {…}}'];
  const problems: string[] = [];
  if (manifest.alg !== EXPORT_SIGNATURE_ALG)
    problems.push(`manifest.alg is ${JSON.stringify(manifest.alg)}, expected "${EXPORT_SIGNATURE_ALG}"`);
  if (manifest.count !== count)
    problems.push(`manifest.count is ${JSON.stringify(manifest.count)} but the file has ${count} export lines`);
  problems.push(...checkDigestAndSignature('manifest', digest, manifest, publicKey));
  return problems;
}

/** sha256 over exact bytes, in pieces (the bulk manifest's digest). */
export function bytesDigest() {
  const hash = createHash('sha256');
  return { update: (bytes: Uint8Array) => hash.update(bytes), tagged: () => `sha256:${hash.digest('hex')}` };
}

function checkDigestAndSignature(where: string, computed: string, signed: Json, publicKey: KeyObject): string[] {
  const problems: string[] = [];
  if (signed.digest !== computed) {
    problems.push(
      `${where}.digest does not match the content: recorded ${JSON.stringify(signed.digest)}, computed ${computed}`,
    );
  }
  if (
    typeof signed.digest !== 'string' ||
    typeof signed.signature !== 'string' ||
    !digestSignatureValid(signed.digest, signed.signature, publicKey)
  ) {
    problems.push(`${where}.signature does not verify with the given public key`);
  }
  return problems;
}

function checkEventChain(events: unknown[], workflow: Json, head: unknown): string[] {
  const problems: string[] = [];
  let prev: unknown = null;
  events.forEach((event, i) => {
    const where = `trace_events[${i}]`;
    if (!isObject(event)) {
      problems.push(`${where} is not an object`);
      return;
    }
    const label = `${where} (event_id ${JSON.stringify(event.event_id)})`;
    if (event.trace_seq !== i)
      problems.push(
        `${label}: trace_seq is ${JSON.stringify(event.trace_seq)}, expected ${i} (events missing or out of order)`,
      );
    if (event.tenant_id !== workflow.tenant_id || event.trace_id !== workflow.trace_id)
      problems.push(`${label}: belongs to another trace than the workflow's`);
    if (event.prev_event_hash !== prev) problems.push(`${label}: prev_event_hash does not link to the previous event`);
    if (!hashes(() => event.payload_hash === payloadHash(event.payload)))
      problems.push(`${label}: payload_hash does not match the payload`);
    if (!hashes(() => event.event_hash === eventHash(event as unknown as NewEvent)))
      problems.push(`${label}: event_hash does not match the event's fields`);
    prev = event.event_hash;
  });
  if (head !== prev)
    problems.push(
      `integrity.event_chain_head is ${JSON.stringify(head)}, the last event's hash is ${JSON.stringify(prev)}`,
    );
  return problems;
}

function checkActionChain(actions: unknown[], head: unknown): string[] {
  const problems: string[] = [];
  let prev: unknown = null;
  actions.forEach((action, i) => {
    const where = `workflow_actions[${i}]`;
    if (!isObject(action)) {
      problems.push(`${where} is not an object`);
      return;
    }
    const label = `${where} (action_id ${JSON.stringify(action.action_id)})`;
    if (action.prev_action_hash !== prev)
      problems.push(
        `${label}: prev_action_hash does not link to the previous action (actions missing or out of order)`,
      );
    if (!hashes(() => action.action_hash === actionHash(action as ActionJson)))
      problems.push(`${label}: action_hash does not match the action's fields`);
    prev = action.action_hash;
  });
  if (head !== prev)
    problems.push(
      `integrity.action_chain_head is ${JSON.stringify(head)}, the last action's hash is ${JSON.stringify(prev)}`,
    );
  return problems;
}

/** A hashed field removed from the file leaves nothing to hash: that counts as a mismatch, not a crash. */
function hashes(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
