import { canonicalJson, sha256Tagged } from '../common/canonical-json';
import type { StoredEvent } from '../ingestion/stored-event';
import { type NotificationRecord, notificationJson } from '../notifications/notification';
import { actionJson, type WorkflowActionRecord } from '../workflow/workflow-action';
import { isOverdue, traceReferenceJson, type WorkflowItem, workflowJson } from '../workflow/workflow-item';
import { isTerminalStatus } from '../workflow/workflow-status';
import { EXPORT_SIGNATURE_ALG } from './export-signature';

export const EXPORT_VERSION = 1;

/** Everything one item's export is made of, read in one snapshot. */
export type WorkflowExportParts = {
  item: WorkflowItem;
  /** Oldest first (by seq). */
  actions: WorkflowActionRecord[];
  /** Oldest first. */
  notifications: NotificationRecord[];
  /** The item's trace, by trace_seq. */
  events: StoredEvent[];
};

export type ExportSigner = { keyId: string; sign(digest: string): string };

/** SPEC §9's export of one item, `integrity` last. */
export function buildWorkflowExport(parts: WorkflowExportParts, exportedAt: Date, signer: ExportSigner) {
  const body = exportBody(parts, exportedAt, parts.events);
  const digest = exportDigest(body);
  return { ...body, integrity: exportIntegrity(parts, digest, signer, parts.events.at(-1)?.event_hash ?? null) };
}

/**
 * The export without `integrity`, with `traceEvents` in the place of the trace's events (the
 * streamed export puts a placeholder there and writes the events around it, streamed-export.ts).
 */
export function exportBody<E>(parts: Omit<WorkflowExportParts, 'events'>, exportedAt: Date, traceEvents: E) {
  const { item, actions, notifications } = parts;
  return {
    export_version: EXPORT_VERSION,
    exported_at: exportedAt.toISOString(),
    workflow: workflowJson(item, exportedAt),
    workflow_actions: actions.map(actionJson),
    workflow_notifications: notifications.map(notificationJson),
    trace_reference: traceReferenceJson(item),
    trace_events: traceEvents,
    audit_summary: {
      action_count: actions.length,
      closed: isTerminalStatus(item.status),
      current_decision: item.current_decision,
      notification_count: notifications.length,
      overdue: isOverdue(item, exportedAt),
      workflow_kind: item.workflow_kind,
    },
  };
}

/** `integrity`: the chain heads, the digest of the body and its signature. */
export function exportIntegrity(
  parts: Pick<WorkflowExportParts, 'actions'>,
  digest: string,
  signer: ExportSigner,
  eventChainHead: string | null,
) {
  return {
    event_chain_head: eventChainHead,
    action_chain_head: parts.actions.at(-1)?.action_hash ?? null,
    digest,
    signature: signer.sign(digest),
    key_id: signer.keyId,
    alg: EXPORT_SIGNATURE_ALG,
  };
}

export type WorkflowExport = ReturnType<typeof buildWorkflowExport>;

/** `sha256:` + hex(sha256(canonical(export without "integrity"))). */
export function exportDigest(exported: Record<string, unknown>): string {
  const { integrity: _integrity, ...body } = exported;
  return sha256Tagged(canonicalJson(body));
}
