import { ChildProcess, fork } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ProviderSettings, ProviderStats } from './oidc-provider-process';

export type { ProviderSettings, TestAccount } from './oidc-provider-process';

/** A private signing key as a JWK, for the provider's keystore. */
export type SigningJwk = Record<string, unknown> & { kid: string; alg: string };

export function signingKey(kind: 'RS256' | 'ES256' | 'EdDSA', kid: string): SigningJwk {
  const pair =
    kind === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : kind === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return { ...pair.privateKey.export({ format: 'jwk' }), kid, alg: kind, use: 'sig' };
}

/** A port that was free a moment ago, so a provider can be started (or restarted) at a known issuer. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The provider of oidc-provider-process.ts, started by the test and driven over HTTP. */
export class TestOidcProvider {
  private constructor(
    readonly settings: ProviderSettings,
    private child: ChildProcess,
  ) {}

  static async start(settings: ProviderSettings): Promise<TestOidcProvider> {
    return new TestOidcProvider(settings, await spawnProvider(settings));
  }

  get issuer(): string {
    return this.settings.issuer ?? `http://127.0.0.1:${this.settings.port}`;
  }

  /** Requests for discovery and the JWKS so far (since this process started). */
  stats(): Promise<ProviderStats> {
    return new Promise((resolve) => {
      const onMessage = (m: { stats?: ProviderStats }) => {
        if (!m.stats) return;
        this.child.off('message', onMessage);
        resolve(m.stats);
      };
      this.child.on('message', onMessage);
      this.child.send({ stats: true });
    });
  }

  /** Same issuer and port, new settings (key rotation: new keys). */
  async restart(changes: Partial<ProviderSettings>): Promise<void> {
    await this.stop();
    Object.assign(this.settings, changes);
    this.child = await spawnProvider(this.settings);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill();
    await exited;
  }

  /** An access token for a machine client (client_credentials grant). */
  async machineToken(clientId: string, resource = this.settings.audience): Promise<string> {
    const basic = Buffer.from(`${clientId}:${clientId}-secret`).toString('base64');
    return this.token(
      { grant_type: 'client_credentials', resource, scope: 'api' },
      { authorization: `Basic ${basic}` },
    );
  }

  /**
   * A person signs in: authorization code flow with PKCE, every redirect followed over HTTP with
   * the provider's cookies, then the code exchanged at the token endpoint.
   */
  async signIn(accountId: string, resource = this.settings.audience): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = new URL('/auth', this.issuer);
    authorize.search = new URLSearchParams({
      client_id: this.settings.consoleClientId,
      response_type: 'code',
      redirect_uri: this.settings.redirectUri,
      scope: 'openid profile email api',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: randomBytes(8).toString('hex'),
      login_hint: accountId,
      resource,
    }).toString();
    const code = await followToCode(authorize, this.settings.redirectUri);
    return this.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.settings.redirectUri,
      code_verifier: verifier,
      client_id: this.settings.consoleClientId,
    });
  }

  private async token(form: Record<string, string>, headers: Record<string, string> = {}): Promise<string> {
    const res = await fetch(new URL('/token', this.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    const body = (await res.json()) as { access_token?: string };
    if (!res.ok || !body.access_token)
      throw new Error(`token endpoint answered ${res.status}: ${JSON.stringify(body)}`);
    return body.access_token;
  }
}

async function followToCode(start: URL, redirectUri: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < 12; hop += 1) {
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      const value = pair.slice(at + 1);
      if (value === '') cookies.delete(pair.slice(0, at));
      else cookies.set(pair.slice(0, at), value);
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`sign-in stopped at ${url.pathname} with ${res.status}: ${await res.text()}`);
    url = new URL(location, url);
    if (url.href.startsWith(redirectUri)) {
      const code = url.searchParams.get('code');
      if (!code) throw new Error(`sign-in refused: ${url.search}`);
      return code;
    }
  }
  throw new Error('sign-in did not reach the redirect URI');
}

function spawnProvider(settings: ProviderSettings): Promise<ChildProcess> {
  const child = fork(join(__dirname, 'oidc-provider-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, OIDC_TEST_PROVIDER: JSON.stringify(settings) },
    // The provider's start-up notices (development adapter, default TTLs) are noise here;
    // its server errors are printed with a "provider:" prefix.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n'))
      if (line.startsWith('provider:')) process.stderr.write(`${line}\n`);
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the OpenID provider exited with ${code} before it was ready`)));
    child.once('message', () => resolve(child));
  });
}
