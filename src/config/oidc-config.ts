import { ConfigError, Env, readString } from './env-parsers';

/** One OpenID provider whose access tokens the API accepts besides service-account tokens (SPEC §12). */
export type OidcConfig = {
  /** Exactly as the provider writes it in `iss` (trailing slash included or not). */
  issuer: string;
  audience: string;
  /** The console's public client id; null when no console sign-in is offered. */
  clientId: string | null;
  claims: OidcClaimNames;
};

/** Claim names (or dotted paths, such as `realm_access.roles`) read from an access token. */
export type OidcClaimNames = { roles: string; tenants: string; permissions: string };

const DEPENDENT = ['DG_OIDC_AUDIENCE', 'DG_OIDC_CLIENT_ID'] as const;

/** Null when DG_OIDC_ISSUER is unset: only service-account tokens are accepted then. */
export function loadOidcConfig(env: Env, production: boolean): OidcConfig | null {
  const issuer = readString(env, 'DG_OIDC_ISSUER');
  if (!issuer) {
    for (const name of DEPENDENT)
      if (readString(env, name)) throw new ConfigError(name, 'is set but DG_OIDC_ISSUER is not; set both or neither');
    return null;
  }
  checkIssuer(issuer, production);
  const audience = readString(env, 'DG_OIDC_AUDIENCE');
  if (!audience)
    throw new ConfigError(
      'DG_OIDC_AUDIENCE',
      'is required when DG_OIDC_ISSUER is set (the API identifier tokens are issued for)',
    );
  return {
    issuer,
    audience,
    clientId: readString(env, 'DG_OIDC_CLIENT_ID') ?? null,
    claims: {
      roles: readClaimName(env, 'DG_OIDC_ROLES_CLAIM', 'roles'),
      tenants: readClaimName(env, 'DG_OIDC_TENANTS_CLAIM', 'tenant_ids'),
      permissions: readClaimName(env, 'DG_OIDC_PERMISSIONS_CLAIM', 'permissions'),
    },
  };
}

function checkIssuer(issuer: string, production: boolean): void {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError('DG_OIDC_ISSUER', `must be an absolute URL, got "${issuer}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError('DG_OIDC_ISSUER', `must be an https:// URL, got "${issuer}"`);
  if (url.protocol === 'http:' && production)
    throw new ConfigError('DG_OIDC_ISSUER', `must be an https:// URL when NODE_ENV=production, got "${issuer}"`);
  if (url.search || url.hash || url.username || url.password)
    throw new ConfigError('DG_OIDC_ISSUER', 'must not carry a query, a fragment or credentials');
}

function readClaimName(env: Env, name: string, fallback: string): string {
  const value = readString(env, name, fallback);
  if (/\s/.test(value)) throw new ConfigError(name, `must be a claim name without spaces, got "${value}"`);
  return value;
}
