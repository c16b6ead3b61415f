import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { createApiClient, createPublicClient, unwrap, type Credentials } from '../api/client';
import { completeOidcSignIn, isOidcCallback, oidcErrorMessage, startOidcSignIn, type OidcSettings } from './oidc';
import { useSession } from './session';

/** The service's sign-in settings: OIDC when configured with a console client (SPEC §12, §13). */
function useOidcSettings(): OidcSettings | null {
  const config = useQuery({
    queryKey: ['auth-config'],
    staleTime: Infinity,
    queryFn: async () => (await unwrap(createPublicClient().GET('/api/auth-config'))).data,
  });
  const oidc = config.data?.oidc;
  return oidc && oidc.client_id ? { issuer: oidc.issuer, client_id: oidc.client_id, audience: oidc.audience } : null;
}

/** Checks credentials before keeping them: a wrong token or tenant is said here, not on every page. */
async function checked(credentials: Credentials): Promise<Credentials> {
  await unwrap(
    createApiClient(credentials).GET('/api/v1/whoami', { params: { header: { 'x-tenant-id': credentials.tenant } } }),
  );
  return credentials;
}

/** OIDC sign-in when the service has an identity provider, and the token form, always (SPEC §13). */
export function SignInPage() {
  const { signIn, endedBecause } = useSession();
  const oidc = useOidcSettings();
  const [tenant, setTenant] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const tenantRef = useRef<HTMLInputElement>(null);

  // Back from the identity provider: exchange the code, then check the token on the tenant.
  useEffect(() => {
    if (!isOidcCallback()) return;
    setBusy(true);
    completeOidcSignIn()
      .then(checked)
      .then((credentials) => signIn({ ...credentials, kind: 'oidc' }))
      .catch((e: unknown) => setError(oidcErrorMessage(e)))
      .finally(() => setBusy(false));
  }, [signIn]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      signIn({ ...(await checked({ tenant: tenant.trim(), token: token.trim() })), kind: 'token' });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  async function withProvider() {
    setError(null);
    if (!oidc) return;
    if (tenant.trim() === '') {
      setError('Enter your tenant first: the identity provider signs you in, the tenant says where.');
      tenantRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      await startOidcSignIn(oidc, tenant.trim());
    } catch (e) {
      setError(oidcErrorMessage(e));
      setBusy(false);
    }
  }

  return (
    <main className="signin" id="main">
      <div className="signin-card">
        <div className="brand brand-large">
          <img src="/console/favicon.svg" alt="" width="36" height="36" />
          <div>
            <h1>DecisionGraph</h1>
            <p className="muted">Reviewer console</p>
          </div>
        </div>
        {endedBecause && (
          <div className="notice info" role="status">
            {endedBecause}
          </div>
        )}
        <form onSubmit={submit} className="stack">
          <div className="field">
            <label htmlFor="signin-tenant">Tenant</label>
            <input
              id="signin-tenant"
              ref={tenantRef}
              name="tenant"
              autoComplete="organization"
              required
              value={tenant}
              onChange={(e) => setTenant(e.target.value)}
            />
          </div>
          {oidc && (
            <>
              <button type="button" className="button primary" disabled={busy} onClick={() => void withProvider()}>
                Sign in with your identity provider
              </button>
              <p className="divider">or with a token</p>
            </>
          )}
          <div className="field">
            <label htmlFor="signin-token">Token</label>
            <input
              id="signin-token"
              name="token"
              type="password"
              autoComplete="current-password"
              required
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
          </div>
          {error && (
            <div className="notice error" role="alert">
              {error}
            </div>
          )}
          <button type="submit" className={oidc ? 'button' : 'button primary'} disabled={busy}>
            Sign in
          </button>
        </form>
        <p className="fineprint">
          Your token is kept in this tab only and forgotten when you sign out or close the tab.
        </p>
      </div>
    </main>
  );
}
