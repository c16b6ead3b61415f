import { hasPermission, type Principal } from '../auth/principal';
import { DomainError } from '../common/error-codes';
import type { Permission } from '../config/service-accounts.config';
import type { EventInput } from './event-types';

/** The producer ids of the events the service appends itself (SPEC §11.2). */
export const WORKFLOW_PRODUCER_ID = 'decisiongraph-workflow';
export const STUDIO_PRODUCER_ID = 'workflow-studio';
export const RESERVED_PRODUCER_IDS: ReadonlySet<string> = new Set([WORKFLOW_PRODUCER_ID, STUDIO_PRODUCER_ID]);

/**
 * The permission an event needs on the event route (SPEC §11.2): a decision needs the reviewer's
 * (the override's when it overrides), a review request the assigner's; other events none.
 */
export function permissionToAppend(event: Pick<EventInput, 'event_type' | 'payload'>): Permission | null {
  if (event.event_type === 'ApprovalRecorded') {
    const subject = event.payload.subject as { subject_type?: unknown } | undefined;
    return subject?.subject_type === 'override' ? 'workflow_override' : 'workflow_review';
  }
  if (event.event_type === 'WorkflowReviewRequested') return 'workflow_assign';
  return null;
}

/**
 * Refuses (403) an event the caller may not append through the API: one that claims a producer id
 * of the service's own, or a decision or review request without its permission. `index` names the
 * event in a batch.
 */
export function assertMayAppend(principal: Pick<Principal, 'permissions'>, event: EventInput, index?: number): void {
  const at = index === undefined ? {} : { index };
  const producerId = event.source.producer_id;
  if (RESERVED_PRODUCER_IDS.has(producerId)) {
    throw new DomainError('forbidden', `producer_id ${producerId} is reserved`, { producer_id: producerId, ...at });
  }
  const permission = permissionToAppend(event);
  if (permission && !hasPermission(principal, permission)) {
    throw new DomainError('forbidden', `Missing permission: ${permission}`, { permission, ...at });
  }
}
