import * as oauth from 'oauth4webapi';

/** What the service publishes for sign-in pages (GET /api/auth-config, SPEC §12). */
export type OidcSettings = { issuer: string; client_id: string; audience: string };

/** The flow's secrets between the redirect to the provider and the way back, in this tab only. */
const PENDING_KEY = 'decisiongraph.console.oidc';
type Pending = { state: string; nonce: string; verifier: string; tenant: string } & OidcSettings;

/** The console's own address: the provider sends the browser back here with the code. */
export function redirectUri(): string {
  return `${window.location.origin}/console/`;
}

// An http:// issuer is accepted by the service outside production only (SPEC §12); so here.
function insecure(settings: OidcSettings) {
  return { [oauth.allowInsecureRequests]: new URL(settings.issuer).protocol === 'http:' };
}

async function discover(settings: OidcSettings): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(settings.issuer);
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure(settings) });
  return oauth.processDiscoveryResponse(issuer, response);
}

/**
 * Starts the authorization code flow with PKCE (S256) for the public client: remembers the
 * verifier, state and nonce in session storage and sends the browser to the provider. `audience`
 * names the API for providers that take it; others ignore it (`resource` is not sent: Entra ID's
 * v2.0 endpoint refuses it).
 */
export async function startOidcSignIn(settings: OidcSettings, tenant: string): Promise<void> {
  const as = await discover(settings);
  if (!as.authorization_endpoint) throw new Error('The identity provider publishes no authorization endpoint');
  const pending: Pending = {
    ...settings,
    tenant,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    verifier: oauth.generateRandomCodeVerifier(),
  };
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: settings.client_id,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: 'openid profile email',
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
    audience: settings.audience,
  }).toString();
  window.sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  window.location.assign(url.href);
}

/** Whether this page load is the provider sending the browser back (code or error, and our state). */
export function isOidcCallback(): boolean {
  const params = new URLSearchParams(window.location.search);
  return window.sessionStorage.getItem(PENDING_KEY) !== null && params.has('state');
}

/**
 * Ends the flow: checks the state, exchanges the code with the verifier, checks the ID token's
 * nonce, and returns the access token with the tenant chosen before leaving. Clears the pending
 * secrets and the code from the address bar whatever happens.
 */
export async function completeOidcSignIn(): Promise<{ tenant: string; token: string }> {
  const raw = window.sessionStorage.getItem(PENDING_KEY);
  window.sessionStorage.removeItem(PENDING_KEY);
  const current = new URL(window.location.href);
  window.history.replaceState(null, '', current.pathname);
  if (!raw) throw new Error('The sign-in was not started from this tab; try again');
  const pending = JSON.parse(raw) as Pending;
  const as = await discover(pending);
  const client: oauth.Client = { client_id: pending.client_id };
  const params = oauth.validateAuthResponse(as, client, current, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    redirectUri(),
    pending.verifier,
    insecure(pending),
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce });
  return { tenant: pending.tenant, token: result.access_token };
}

/** A readable message for the sign-in page from whatever the flow threw. */
export function oidcErrorMessage(e: unknown): string {
  if (e instanceof oauth.AuthorizationResponseError) {
    return `The identity provider refused the sign-in: ${e.error_description ?? e.error}`;
  }
  if (e instanceof oauth.ResponseBodyError)
    return `The identity provider refused the sign-in: ${e.error_description ?? e.error}`;
  return e instanceof Error ? e.message : String(e);
}
