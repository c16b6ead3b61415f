import { DomainError } from '../common/error-codes';
import type { OidcClaimNames } from '../config/oidc-config';
import { PERMISSIONS, Role, ROLES } from '../config/service-accounts.config';
import type { AuthenticatedCaller } from './principal';

type Claims = Record<string, unknown>;

export const OIDC_ACCOUNT_PREFIX = 'oidc:';
const MAX_TEXT = 200;
const MAX_SUB = 255;
// Control characters are what the check is for.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The caller a verified access token stands for (SPEC §12). Roles, tenants and permissions mean
 * what they mean for a service account; values the service does not know are ignored (providers
 * put their own roles in the same claim). A token without `sub`, the roles claim or the tenants
 * claim is refused with 403: it is genuine, it just grants nothing.
 */
export function callerFromClaims(claims: Claims, names: OidcClaimNames): AuthenticatedCaller {
  const sub = claims.sub;
  // The subject becomes an account id, an actor id and a rate-limit key: refuse one no store takes.
  if (typeof sub !== 'string' || sub.trim() === '' || sub.length > MAX_SUB || CONTROL.test(sub))
    throw missingClaim('sub');
  const roles = claimValues(claims, names.roles) ?? throwMissing(names.roles);
  const tenantIds = claimValues(claims, names.tenants) ?? throwMissing(names.tenants);
  const permissions = claimValues(claims, names.permissions) ?? [];
  return {
    accountId: `${OIDC_ACCOUNT_PREFIX}${sub}`,
    roles: roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
    tenantIds,
    permissions: permissions.filter((p) => p === '*' || (PERMISSIONS as readonly string[]).includes(p)),
    principalType: 'person',
    person: { sub, name: text(claims.name) ?? text(claims.preferred_username), email: text(claims.email) },
  };
}

/**
 * The string values of a claim: an array of strings (other entries ignored) or one string. The
 * name is looked up as is first (namespaced claims such as `https://example.com/roles` contain
 * dots), then as a dotted path into nested objects (Keycloak's `realm_access.roles`).
 */
export function claimValues(claims: Claims, name: string): string[] | undefined {
  const value = name in claims ? claims[name] : walk(claims, name.split('.'));
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return undefined;
}

function walk(value: unknown, path: string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return undefined;
    at = (at as Claims)[key];
  }
  return at;
}

/** Display text from a claim, stripped of control characters (they are stored in action rows). */
function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const clean = value.replace(new RegExp(CONTROL.source, 'g'), '').trim();
  return clean === '' ? null : clean.slice(0, MAX_TEXT);
}

function missingClaim(name: string): DomainError {
  return new DomainError('forbidden', `The access token has no ${name} claim`, { claim: name });
}

function throwMissing(name: string): never {
  throw missingClaim(name);
}
