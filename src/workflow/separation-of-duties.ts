import { DomainError } from '../common/error-codes';
import type { WorkflowItem } from './workflow-item';

export const SEPARATION_OF_DUTIES_MESSAGE = 'separation of duties: the requester cannot decide its own request';

/**
 * Whether `accountId` is the principal that requested the item (SPEC §11.3). Principals are
 * compared by account id: a person signed in through OIDC is always `oidc:<sub>`, whatever token
 * they came with, so one person is one principal. Items created before attribution have no
 * requester and are nobody's own.
 */
export function isOwnRequest(item: Pick<WorkflowItem, 'requested_by'>, accountId: string | null): boolean {
  return item.requested_by !== null && accountId !== null && item.requested_by === accountId;
}

export function separationOfDutiesError(workflowId: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('forbidden', SEPARATION_OF_DUTIES_MESSAGE, {
    rule: 'separation_of_duties',
    workflow_id: workflowId,
    ...details,
  });
}
