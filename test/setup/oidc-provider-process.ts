// A real OpenID provider (the certified `oidc-provider` package; 8.x, the line that supports
// Node 20) for the OIDC tests, run as a child process on 127.0.0.1 (plain Node through tsx: the
// package is ESM, which Jest cannot load).
// Its settings come in OIDC_TEST_PROVIDER as JSON; it answers "ready" and "stats" over IPC.
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type AsymmetricSigningAlgorithm, type KoaContextWithOIDC } from 'oidc-provider';

export type TestAccount = {
  /** Claims the access token carries besides the standard ones (roles, tenant_ids, name, ...). */
  claims: Record<string, unknown>;
  /** Sets the token's `nbf` this many seconds after its `iat`. */
  nbfOffsetSeconds?: number;
};

export type ProviderSettings = {
  /** A fixed port, so the provider can be restarted (or started late) at the same issuer. */
  port: number;
  /** Defaults to http://127.0.0.1:<port>. */
  issuer?: string;
  /** Private JWKs with kid and alg; the first of each algorithm signs. */
  keys: Record<string, unknown>[];
  /** The resource server's audience, the default resource of every token. */
  audience: string;
  redirectUri: string;
  consoleClientId: string;
  /** Persons who can sign in with the authorization code flow (login_hint selects one). */
  accounts: Record<string, TestAccount>;
  /** client_credentials clients: id → signing algorithm and token claims. */
  machines: Record<string, { alg: AsymmetricSigningAlgorithm; claims: Record<string, unknown> }>;
};

export type ProviderStats = { discovery: number; jwks: number };

const settings = JSON.parse(process.env.OIDC_TEST_PROVIDER ?? '{}') as ProviderSettings;
const stats: ProviderStats = { discovery: 0, jwks: 0 };
const issuer = settings.issuer ?? `http://127.0.0.1:${settings.port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: settings.consoleClientId,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [settings.redirectUri],
    },
    ...Object.keys(settings.machines).map((id) => ({
      client_id: id,
      client_secret: `${id}-secret`,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
  ],
  jwks: { keys: settings.keys as never[] },
  scopes: ['openid', 'profile', 'email', 'api'],
  cookies: { keys: ['oidc-test-cookie-key'] },
  pkce: { required: () => true },
  // A browser app (the reviewer console) calls the token endpoint from its own origin.
  clientBasedCORS: () => true,
  findAccount: (_ctx, sub) =>
    settings.accounts[sub] ? { accountId: sub, claims: () => ({ sub, ...settings.accounts[sub].claims }) } : undefined,
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => settings.audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource, client) => ({
        scope: 'api',
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg: settings.machines[client.clientId]?.alg ?? 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (_ctx, token) => {
    const accountId = 'accountId' in token ? token.accountId : undefined;
    if (accountId) return settings.accounts[accountId]?.claims;
    return settings.machines[token.clientId ?? '']?.claims;
  },
  formats: {
    customizers: {
      jwt: (_ctx, _token, jwt) => {
        const offset = settings.accounts[String(jwt.payload.sub)]?.nbfOffsetSeconds;
        if (offset !== undefined) jwt.payload.nbf = Number(jwt.payload.iat) + offset;
        return jwt;
      },
    },
  },
});

/** Signs in whoever login_hint names and grants what the client asked: the test drives this over HTTP. */
async function interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    const accountId = String(details.params.login_hint);
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = new provider.Grant({
    accountId: details.session?.accountId,
    clientId: String(details.params.client_id),
  });
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
    grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', issuer).pathname;
  if (path.endsWith('/.well-known/openid-configuration')) stats.discovery += 1;
  if (path.endsWith('/jwks')) stats.jwks += 1;
  if (path.startsWith('/interaction/')) {
    interact(req, res).catch((e: Error) => {
      res.statusCode = 500;
      res.end(e.message);
    });
    return;
  }
  void callback(req, res);
});

provider.on('server_error', (_ctx: KoaContextWithOIDC, e: Error) => process.stderr.write(`provider: ${e.stack}\n`));
server.listen(settings.port, '127.0.0.1', () => {
  process.send?.({ ready: true, port: (server.address() as AddressInfo).port });
});
process.on('message', (message: { stats?: boolean }) => {
  if (message.stats) process.send?.({ stats });
});
process.on('disconnect', () => process.exit(0));
