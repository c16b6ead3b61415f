import { useState, type FormEvent } from 'react';
import { createApiClient, unwrap } from '../api/client';
import { useSession } from './session';

/** The token form, always; OIDC sign-in above it when the service has an identity provider (SPEC §13). */
export function SignInPage() {
  const { signIn, endedBecause } = useSession();
  const [tenant, setTenant] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    const credentials = { tenant: tenant.trim(), token: token.trim() };
    try {
      // Checks the pair before keeping it: a wrong token or tenant is said here, not on every page.
      await unwrap(
        createApiClient(credentials).GET('/api/v1/whoami', {
          params: { header: { 'x-tenant-id': credentials.tenant } },
        }),
      );
      signIn({ ...credentials, kind: 'token' });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
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
              name="tenant"
              autoComplete="organization"
              required
              value={tenant}
              onChange={(e) => setTenant(e.target.value)}
            />
          </div>
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
          <button type="submit" className="button primary" disabled={busy}>
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
