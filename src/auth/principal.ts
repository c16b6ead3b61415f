import type { Role } from '../config/service-accounts.config';

export type PrincipalType = 'service_account' | 'person';

/** A person signed in through the OIDC provider (SPEC §12); `sub` is the provider's subject. */
export type Person = { sub: string; name: string | null; email: string | null };

/** Who a valid bearer token stands for, before the request's tenant is checked. */
export type AuthenticatedCaller = {
  accountId: string;
  roles: Role[];
  tenantIds: string[];
  permissions: string[];
  principalType: PrincipalType;
  person: Person | null;
};

/**
 * The authenticated caller, scoped to the tenant of the request. `accountId` is what rules compare
 * (rate limits, claims, separation of duties): for a person it is `oidc:<sub>`, whatever token
 * they came with. Principals built without the guards (the CLI) are service accounts.
 */
export type Principal = {
  accountId: string;
  roles: Role[];
  permissions: string[];
  tenantId: string;
  principalType?: PrincipalType;
  person?: Person | null;
};

export function hasPermission(principal: Pick<Principal, 'permissions'>, permission: string): boolean {
  return principal.permissions.includes('*') || principal.permissions.includes(permission);
}

/** The actor an action row records (SPEC §6.3, §12): the person when there is one, else the account. */
export type PrincipalActor = {
  actor_id: string;
  actor_type: 'role' | 'person';
  account_id: string;
  display_name?: string;
};

export function actionActorOf(principal: Principal): PrincipalActor {
  const person = principal.person;
  if (!person) return { actor_id: principal.accountId, actor_type: 'role', account_id: principal.accountId };
  return {
    actor_id: person.sub,
    actor_type: 'person',
    account_id: principal.accountId,
    display_name: person.name ?? person.email ?? person.sub,
  };
}

/** The `{actor_id, actor_type}` of events appended on the principal's behalf. */
export function eventActorOf(principal: Principal): { actor_id: string; actor_type: 'role' | 'person' } {
  const { actor_id, actor_type } = actionActorOf(principal);
  return { actor_id, actor_type };
}
