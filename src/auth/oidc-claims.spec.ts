import { DomainError } from '../common/error-codes';
import { callerFromClaims, claimValues } from './oidc-claims';
import { actionActorOf, eventActorOf } from './principal';

const NAMES = { roles: 'roles', tenants: 'tenant_ids', permissions: 'permissions' };

describe(callerFromClaims.name, () => {
  it('maps the claims to a person whose account id is oidc:<sub>', () => {
    const caller = callerFromClaims(
      {
        sub: '00u1abc',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        roles: ['writer', 'uma_authorization'],
        tenant_ids: ['acme'],
        permissions: ['workflow_review', 'manage_everything'],
      },
      NAMES,
    );
    expect(caller).toEqual({
      accountId: 'oidc:00u1abc',
      roles: ['writer'],
      tenantIds: ['acme'],
      permissions: ['workflow_review'],
      principalType: 'person',
      person: { sub: '00u1abc', name: 'Ada Lovelace', email: 'ada@example.com' },
    });
  });

  it('reads the claims the variables name, with "*" meaning all as for a service account', () => {
    const caller = callerFromClaims(
      { sub: 's', app_roles: ['admin'], 'https://dg.example/tenants': ['*'], perms: ['*'] },
      { roles: 'app_roles', tenants: 'https://dg.example/tenants', permissions: 'perms' },
    );
    expect(caller).toMatchObject({ roles: ['admin'], tenantIds: ['*'], permissions: ['*'] });
  });

  it('takes no permissions when the permissions claim is absent, and falls back to preferred_username', () => {
    const caller = callerFromClaims(
      { sub: 's', preferred_username: 'ada', roles: ['reader'], tenant_ids: ['t'] },
      NAMES,
    );
    expect(caller.permissions).toEqual([]);
    expect(caller.person).toEqual({ sub: 's', name: 'ada', email: null });
  });

  it('strips control characters from display text and bounds its length', () => {
    const caller = callerFromClaims(
      { sub: 's', name: `Ada\u0000 ${'x'.repeat(500)}`, roles: ['reader'], tenant_ids: ['t'] },
      NAMES,
    );
    expect(caller.person?.name).toMatch(/^Ada x+$/);
    expect(caller.person?.name).toHaveLength(200);
  });

  it.each([
    [{ roles: ['reader'], tenant_ids: ['t'] }, 'sub'],
    [{ sub: ' ', roles: ['reader'], tenant_ids: ['t'] }, 'sub'],
    [{ sub: 'a\u0000b', roles: ['reader'], tenant_ids: ['t'] }, 'sub'],
    [{ sub: 'x'.repeat(256), roles: ['reader'], tenant_ids: ['t'] }, 'sub'],
    [{ sub: 's', tenant_ids: ['t'] }, 'roles'],
    [{ sub: 's', roles: { reader: true }, tenant_ids: ['t'] }, 'roles'],
    [{ sub: 's', roles: ['reader'] }, 'tenant_ids'],
  ])('refuses %j with 403 naming the missing %s claim', (claims, claim) => {
    const error = captured(() => callerFromClaims(claims, NAMES));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'forbidden', message: `The access token has no ${claim} claim` });
  });
});

describe(claimValues.name, () => {
  it('reads arrays, single strings, exact names with dots, and dotted paths', () => {
    expect(claimValues({ roles: ['a', 1, 'b'] }, 'roles')).toEqual(['a', 'b']);
    expect(claimValues({ roles: 'a' }, 'roles')).toEqual(['a']);
    expect(claimValues({ 'https://x.example/roles': ['a'] }, 'https://x.example/roles')).toEqual(['a']);
    expect(claimValues({ realm_access: { roles: ['writer'] } }, 'realm_access.roles')).toEqual(['writer']);
    expect(claimValues({ realm_access: ['writer'] }, 'realm_access.roles')).toBeUndefined();
    expect(claimValues({}, 'roles')).toBeUndefined();
  });
});

describe(actionActorOf.name, () => {
  const base = { roles: ['writer' as const], permissions: [], tenantId: 't' };

  it('keeps a service account’s actor exactly as before', () => {
    const principal = { ...base, accountId: 'svc', principalType: 'service_account' as const, person: null };
    expect(actionActorOf(principal)).toEqual({ actor_id: 'svc', actor_type: 'role', account_id: 'svc' });
    expect(actionActorOf({ ...base, accountId: 'cli' })).toEqual({
      actor_id: 'cli',
      actor_type: 'role',
      account_id: 'cli',
    });
  });

  it('names a person by subject, with their account id and a display name', () => {
    const person = { sub: 'u1', name: null, email: 'u1@example.com' };
    const principal = { ...base, accountId: 'oidc:u1', principalType: 'person' as const, person };
    expect(actionActorOf(principal)).toEqual({
      actor_id: 'u1',
      actor_type: 'person',
      account_id: 'oidc:u1',
      display_name: 'u1@example.com',
    });
    expect(eventActorOf(principal)).toEqual({ actor_id: 'u1', actor_type: 'person' });
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
