import type { Role } from '../config/service-accounts.config';

/** The authenticated caller, scoped to the tenant of the request. */
export type Principal = {
  accountId: string;
  roles: Role[];
  permissions: string[];
  tenantId: string;
};

export function hasPermission(principal: Pick<Principal, 'permissions'>, permission: string): boolean {
  return principal.permissions.includes('*') || principal.permissions.includes(permission);
}
