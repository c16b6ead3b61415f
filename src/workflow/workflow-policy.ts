import { clampToStorable } from '../common/rfc3339';
import type { DefinitionVersion } from '../policies/definitions.repository';
import { type PolicyDefinition, rulesOf, selectPolicy } from '../policies/policy-definition';
import { policyDueAt } from '../policies/policy-sla';
import type { WorkflowItem } from './workflow-item';

/**
 * SPEC §14: a new item takes the tenant's most specific matching active policy (see selectPolicy)
 * and keeps that version's rules: its SLA counted over the policy's calendar, the policy's quorum
 * as a floor (a request may ask for more approvals, never fewer) and its separation-of-duties
 * setting. Without a match the item keeps the deployment defaults it was built with.
 */
export function applyWorkflowPolicy(item: WorkflowItem, policies: DefinitionVersion<PolicyDefinition>[]): void {
  const templateId = typeof item.metadata.template_id === 'string' ? item.metadata.template_id : null;
  const chosen = selectPolicy(
    policies.map((p) => ({ ...p, policy_id: p.definition_id })),
    { workflow_kind: item.workflow_kind, template_id: templateId, priority: item.priority },
  );
  if (!chosen) return;
  const rules = rulesOf(chosen.definition);
  item.workflow_policy_id = chosen.definition_id;
  item.workflow_policy_version = chosen.version;
  item.sla_policy = rules;
  item.sla_due_at = clampToStorable(policyDueAt(item.requested_at, rules).getTime());
  item.required_approvals = Math.max(item.required_approvals, rules.required_approvals);
  item.separation_of_duties = rules.separation_of_duties;
}
