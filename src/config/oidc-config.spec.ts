import { AuthConfigController } from '../auth/auth-config.controller';
import { loadConfig } from './app-config';
import { ConfigError } from './env-parsers';
import { loadOidcConfig } from './oidc-config';

const ISSUER = 'https://login.example.com/realms/dg';

describe(loadOidcConfig.name, () => {
  it('is off without DG_OIDC_ISSUER', () => {
    expect(loadConfig({}).oidc).toBeNull();
    expect(new AuthConfigController(loadConfig({})).authConfig()).toEqual({ oidc: null });
  });

  it('reads the issuer, audience, client id and the default claim names', () => {
    const config = loadConfig({ DG_OIDC_ISSUER: ISSUER, DG_OIDC_AUDIENCE: 'api://dg', DG_OIDC_CLIENT_ID: 'console' });
    expect(config.oidc).toEqual({
      issuer: ISSUER,
      audience: 'api://dg',
      clientId: 'console',
      claims: { roles: 'roles', tenants: 'tenant_ids', permissions: 'permissions' },
    });
    expect(new AuthConfigController(config).authConfig()).toEqual({
      oidc: { issuer: ISSUER, client_id: 'console', audience: 'api://dg' },
    });
  });

  it('takes other claim names, dotted paths included', () => {
    const oidc = loadOidcConfig(
      {
        DG_OIDC_ISSUER: ISSUER,
        DG_OIDC_AUDIENCE: 'dg',
        DG_OIDC_ROLES_CLAIM: 'realm_access.roles',
        DG_OIDC_TENANTS_CLAIM: 'https://dg.example/tenants',
        DG_OIDC_PERMISSIONS_CLAIM: 'dg_permissions',
      },
      true,
    );
    expect(oidc?.claims).toEqual({
      roles: 'realm_access.roles',
      tenants: 'https://dg.example/tenants',
      permissions: 'dg_permissions',
    });
    expect(oidc?.clientId).toBeNull();
  });

  it('accepts an http:// issuer outside production only', () => {
    const env = { DG_OIDC_ISSUER: 'http://127.0.0.1:8080', DG_OIDC_AUDIENCE: 'dg' };
    expect(loadOidcConfig(env, false)?.issuer).toBe('http://127.0.0.1:8080');
    expect(() => loadOidcConfig(env, true)).toThrow(
      'Invalid configuration: DG_OIDC_ISSUER must be an https:// URL when NODE_ENV=production, got "http://127.0.0.1:8080"',
    );
  });

  it.each([
    [{ DG_OIDC_ISSUER: ISSUER }, 'DG_OIDC_AUDIENCE is required when DG_OIDC_ISSUER is set'],
    [{ DG_OIDC_AUDIENCE: 'dg' }, 'DG_OIDC_AUDIENCE is set but DG_OIDC_ISSUER is not'],
    [{ DG_OIDC_CLIENT_ID: 'console' }, 'DG_OIDC_CLIENT_ID is set but DG_OIDC_ISSUER is not'],
    [{ DG_OIDC_ISSUER: 'login.example.com', DG_OIDC_AUDIENCE: 'dg' }, 'DG_OIDC_ISSUER must be an absolute URL'],
    [{ DG_OIDC_ISSUER: 'ftp://login.example.com', DG_OIDC_AUDIENCE: 'dg' }, 'DG_OIDC_ISSUER must be an https:// URL'],
    [{ DG_OIDC_ISSUER: `${ISSUER}?x=1`, DG_OIDC_AUDIENCE: 'dg' }, 'DG_OIDC_ISSUER must not carry a query'],
    [{ DG_OIDC_ISSUER: ISSUER, DG_OIDC_AUDIENCE: 'dg', DG_OIDC_ROLES_CLAIM: 'my roles' }, 'DG_OIDC_ROLES_CLAIM'],
  ])('rejects %j: %s', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
