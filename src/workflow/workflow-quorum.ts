import { DomainError } from '../common/error-codes';
import type { Approval } from './workflow-item';

/** Who decided, as the decision event's payload lists them (SPEC §11.4 `approvers`). */
export type Approver = { actor_type: string; actor_id: string };

/** The principal voting: people are compared by person, service accounts by account. */
export type Voter = { account_id: string; person_sub?: string | null };

/** Refuses a second vote of the same principal (409 `already approved by <account_id>`). */
export function assertNoVoteYet(item: { workflow_id: string; approvals: Approval[] }, voter: Voter): void {
  const given = item.approvals.find((vote) => sameVoter(vote, voter));
  if (given) {
    throw new DomainError('conflict', `already approved by ${given.account_id}`, {
      workflow_id: item.workflow_id,
      account_id: given.account_id,
    });
  }
}

function sameVoter(vote: Approval, voter: Voter): boolean {
  if (vote.person_sub && voter.person_sub) return vote.person_sub === voter.person_sub;
  return vote.account_id === voter.account_id;
}

/** How an approver is named in the decision event: a person by subject, a service account by account. */
export function approverOf(vote: Pick<Approval, 'account_id' | 'person_sub'>): Approver {
  return vote.person_sub
    ? { actor_type: 'person', actor_id: vote.person_sub }
    : { actor_type: 'role', actor_id: vote.account_id };
}
