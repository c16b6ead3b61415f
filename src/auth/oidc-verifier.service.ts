import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { OidcConfig } from '../config/oidc-config';
import { callerFromClaims } from './oidc-claims';
import { OidcKeySource } from './oidc-key-source';
import type { AuthenticatedCaller } from './principal';

/** Asymmetric algorithms only: `none` and HS* (a shared secret, or the public key misused as one) are refused. */
export const OIDC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
export const OIDC_CLOCK_TOLERANCE_SECONDS = 60;

/** Validates OIDC access tokens (JWT) from DG_OIDC_ISSUER and maps their claims to a caller (SPEC §12). */
@Injectable()
export class OidcVerifierService implements OnApplicationBootstrap {
  private readonly logger = new Logger(OidcVerifierService.name);
  private readonly oidc: OidcConfig | null;
  private readonly keys: OidcKeySource | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.oidc = config.oidc;
    this.keys = config.oidc ? new OidcKeySource(config.oidc.issuer, clock) : null;
  }

  /** The provider being down must not stop the service: it starts, and OIDC tokens get 401 meanwhile. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.keys && (await this.keys.load()))
      this.logger.log(`Accepting OIDC access tokens from ${this.oidc?.issuer}`);
  }

  /**
   * The caller of a token that is a JWT from the configured issuer; undefined when OIDC is off,
   * the token is not such a JWT, or it fails any check (the reason is logged at debug level only).
   * Throws 403 for a valid token that lacks a required claim.
   */
  async authenticate(token: string): Promise<AuthenticatedCaller | undefined> {
    if (!this.oidc || !this.keys || !this.fromIssuer(token)) return undefined;
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, this.keys.getKey, {
        issuer: this.oidc.issuer,
        audience: this.oidc.audience,
        algorithms: OIDC_ALGORITHMS,
        clockTolerance: OIDC_CLOCK_TOLERANCE_SECONDS,
        currentDate: this.clock.now(),
        requiredClaims: ['exp'],
      }));
    } catch (e) {
      this.logger.debug(`OIDC access token refused: ${(e as { code?: string }).code ?? (e as Error).name}`);
      return undefined;
    }
    return callerFromClaims(claims, this.oidc.claims);
  }

  /** A cheap look before any key is fetched: a JWS whose unverified `iss` is ours. */
  private fromIssuer(token: string): boolean {
    try {
      decodeProtectedHeader(token);
      return decodeJwt(token).iss === this.oidc?.issuer;
    } catch {
      return false;
    }
  }
}
