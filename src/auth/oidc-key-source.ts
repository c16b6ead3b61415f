import { Logger } from '@nestjs/common';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { Clock } from '../common/clock';

const FETCH_TIMEOUT_MS = 5_000;
const MAX_DOCUMENT_CHARS = 512 * 1024;
/** A provider that could not be reached is asked again on demand, at most this often. */
export const RETRY_AFTER_FAILURE_MS = 10_000;
/** An unknown `kid` refetches the key set at most this often (SPEC §12). */
export const UNKNOWN_KID_REFETCH_MS = 60_000;
/** Keys older than this are refreshed on the next use (a removed key stops being accepted). */
const MAX_KEY_AGE_MS = 10 * 60_000;

type KeySet = { getKey: JWTVerifyGetKey; fetchedAt: number };

/** The provider cannot be reached, or its discovery document or key set is unusable. */
export class OidcUnavailableError extends Error {}

/**
 * The provider's signing keys: discovery, then the JWKS, cached. jose selects and checks the keys
 * (createLocalJWKSet); this class only decides when to fetch, on the service's Clock, so the
 * refetch policy is exact and testable (jose's remote set keeps its own wall-clock cooldown).
 */
export class OidcKeySource {
  private readonly logger = new Logger('OidcKeySource');
  private readonly discoveryUrl: string;
  private jwksUri: string | null = null;
  private keys: KeySet | null = null;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly issuer: string,
    private readonly clock: Clock,
  ) {
    this.discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  }

  /** Fetches discovery and keys now; false (after a warning) when the provider cannot be used. */
  async load(): Promise<boolean> {
    await this.refresh();
    return this.keys !== null;
  }

  /** The key for a token's protected header, for jose's jwtVerify. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const now = this.now();
    if (!this.keys || now - this.keys.fetchedAt >= MAX_KEY_AGE_MS) {
      if (now - this.lastAttemptAt >= RETRY_AFTER_FAILURE_MS) await this.refresh();
      if (!this.keys) throw new OidcUnavailableError('the OpenID provider has not been reached yet');
    }
    try {
      return await this.keys.getKey(header, token);
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey) || now - this.lastAttemptAt < UNKNOWN_KID_REFETCH_MS) throw e;
      await this.refresh();
      return this.keys.getKey(header, token);
    }
  };

  /** One fetch at a time; callers arriving meanwhile share its outcome. */
  private refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttemptAt = this.now();
    try {
      this.jwksUri ??= await this.discover();
      const jwks = parseJwks(await fetchJson(this.jwksUri));
      this.keys = { getKey: createLocalJWKSet(jwks), fetchedAt: this.now() };
    } catch (e) {
      // A failed refresh keeps the keys already held; without any, OIDC tokens get 401 until one succeeds.
      this.logger.warn(
        `OpenID provider ${this.issuer} unusable (${(e as Error).message}): ` +
          `${this.keys ? 'keeping the keys fetched earlier' : 'OIDC access tokens are refused with 401'}; ` +
          `retried on demand at most every ${RETRY_AFTER_FAILURE_MS / 1000} s`,
      );
    }
  }

  private async discover(): Promise<string> {
    const doc = await fetchJson(this.discoveryUrl);
    if (doc.issuer !== this.issuer) {
      throw new OidcUnavailableError(
        `discovery at ${this.discoveryUrl} names issuer ${JSON.stringify(doc.issuer)}, not DG_OIDC_ISSUER ${JSON.stringify(this.issuer)}`,
      );
    }
    if (typeof doc.jwks_uri !== 'string' || !URL.canParse(doc.jwks_uri))
      throw new OidcUnavailableError(`discovery at ${this.discoveryUrl} has no usable jwks_uri`);
    return doc.jwks_uri;
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}

async function fetchJson(url: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    const res = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!res.ok) throw new OidcUnavailableError(`${url} answered ${res.status}`);
    text = await res.text();
  } catch (e) {
    if (e instanceof OidcUnavailableError) throw e;
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new OidcUnavailableError(`${url} unreachable: ${cause}`);
  }
  if (text.length > MAX_DOCUMENT_CHARS) throw new OidcUnavailableError(`${url} answered a document too large`);
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new OidcUnavailableError(`${url} did not answer a JSON object`);
}

function parseJwks(doc: Record<string, unknown>): JSONWebKeySet {
  if (!Array.isArray(doc.keys)) throw new OidcUnavailableError('the JWKS has no keys array');
  return doc as unknown as JSONWebKeySet;
}
