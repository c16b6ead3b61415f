import { canonicalJson, sha256Tagged } from '../common/canonical-json';
import type { WorkflowItem } from './workflow-item';

export type ActionActor = {
  actor_id: string;
  actor_type: string;
  account_id: string | null;
  /** For a person (SPEC §12): their name, else e-mail, else subject. */
  display_name?: string;
};

/** A dg_workflow_actions row (SPEC §6.3). */
export type WorkflowActionRecord = {
  tenant_id: string;
  workflow_id: string;
  action_id: string;
  seq: number;
  action_type: string;
  actor: ActionActor;
  note: string | null;
  payload: Record<string, unknown>;
  source_event_id: string | null;
  resulting_status: string;
  created_at: string;
  prev_action_hash: string | null;
  action_hash: string;
};

export type ActionDraft = Pick<
  WorkflowActionRecord,
  'action_id' | 'action_type' | 'actor' | 'note' | 'payload' | 'source_event_id' | 'resulting_status'
> & {
  created_at: Date;
};

/**
 * Chains the next action onto the item and advances the item's chain head and count, which the
 * caller saves. `seq` (the action's position) is stored for ordering; the hash covers what the
 * API returns (SPEC §6.3), so any client can recompute it.
 */
export function chainAction(item: WorkflowItem, draft: ActionDraft): WorkflowActionRecord {
  const fields = {
    action_id: draft.action_id,
    action_type: draft.action_type,
    actor: draft.actor,
    note: draft.note,
    payload: draft.payload,
    source_event_id: draft.source_event_id,
    resulting_status: draft.resulting_status,
    created_at: draft.created_at.toISOString(),
    prev_action_hash: item.last_action_hash,
  };
  const record = {
    tenant_id: item.tenant_id,
    workflow_id: item.workflow_id,
    seq: item.action_count,
    ...fields,
    action_hash: actionHash(fields),
  };
  item.last_action_hash = record.action_hash;
  item.action_count += 1;
  item.last_action_type = draft.action_type;
  item.last_action_at = draft.created_at;
  return record;
}

/** SPEC §6.3: sha256 of the canonical JSON of the action's other fields plus prev_action_hash. */
export function actionHash(fields: Omit<ActionJson, 'action_hash'>): string {
  return sha256Tagged(
    canonicalJson({
      action_id: fields.action_id,
      action_type: fields.action_type,
      actor: fields.actor,
      note: fields.note,
      payload: fields.payload,
      source_event_id: fields.source_event_id,
      resulting_status: fields.resulting_status,
      created_at: fields.created_at,
      prev_action_hash: fields.prev_action_hash,
    }),
  );
}

/** The action as the API returns it. */
export function actionJson(a: WorkflowActionRecord) {
  return {
    action_id: a.action_id,
    action_type: a.action_type,
    actor: a.actor,
    note: a.note,
    payload: a.payload,
    source_event_id: a.source_event_id,
    resulting_status: a.resulting_status,
    created_at: a.created_at,
    prev_action_hash: a.prev_action_hash,
    action_hash: a.action_hash,
  };
}

export type ActionJson = ReturnType<typeof actionJson>;
