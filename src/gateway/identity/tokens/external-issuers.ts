import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import type { FetchImplementation, JWTPayload, RemoteJWKSet } from 'jose';
import type { SsrfGuard } from '../../../http/index.js';
import type { ExternalIssuerConfig } from '../config.js';
import type { Principal } from '../principal.js';
import { readActClaim } from './delegation-claims.js';
import { refuseFutureIssuedAt } from './issued-at.js';
import { fromJoseError } from './jose-failure.js';
import type { VerifiedToken } from './verified-token-cache.js';
import { Errors, isRecord } from '../../../protocol/index.js';

/** Default algorithms of an external issuer: asymmetric only. */
const DEFAULT_ALGS = ['RS256', 'ES256', 'PS256', 'EdDSA'];
/** Largest JWKS document accepted. */
const MAX_JWKS_BYTES = 256 * 1024;

interface Issuer {
  config: ExternalIssuerConfig;
  jwks: RemoteJWKSet;
}

/**
 * A jose fetch that goes through the SSRF guard: the JWKS URI of an issuer
 * (or of a private_key_jwt client) is resolved and pinned like every other
 * outbound call. Redirects stay manual, as jose asks.
 */
export function guardedJwksFetch(guard: SsrfGuard): FetchImplementation {
  return (url, options) => guard.fetch(url, { method: 'GET', headers: options.headers, signal: options.signal, maxRedirects: 0, maxBytes: MAX_JWKS_BYTES });
}

/** Reads a claim by dotted path (`realm_access.tenant`). */
function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    // Own members only: a path is configuration, a claim set is the token issuer's JSON.
    if (!isRecord(value) || !Object.hasOwn(value, part)) return undefined;
    value = value[part];
  }
  return value;
}

/** Scopes from a space-separated string (`scope`) or an array (`scp`). */
function scopesOf(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (typeof value === 'string') return value.split(/\s+/).filter((s) => s !== '');
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value as string[];
  return undefined;
}

/**
 * Verifies JWTs from the configured external issuers (Keycloak, Okta…):
 * their JWKS fetched through the SSRF guard and cached by jose, the
 * algorithms pinned per issuer, the audience checked, and the tenant and
 * scopes mapped from the configured claims.
 */
export class ExternalIssuers {
  readonly #issuers = new Map<string, Issuer>();
  readonly #tolerance: number;
  readonly #clock: () => number;

  constructor(options: { issuers: readonly ExternalIssuerConfig[]; guard: SsrfGuard; clockToleranceSeconds: number; clock: () => number }) {
    this.#tolerance = options.clockToleranceSeconds;
    this.#clock = options.clock;
    const fetchImpl = guardedJwksFetch(options.guard);
    for (const config of options.issuers) {
      this.#issuers.set(config.issuer, { config, jwks: createRemoteJWKSet(new URL(config.jwksUri), { [customFetch]: fetchImpl }) });
    }
  }

  has(issuer: string): boolean {
    return this.#issuers.has(issuer);
  }

  async verify(token: string, iss: string): Promise<VerifiedToken & { claims: JWTPayload }> {
    const issuer = this.#issuers.get(iss);
    if (issuer === undefined) throw Errors.authJwtWrongIssuer({ what: 'the token' });
    const { config } = issuer;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, issuer.jwks, {
        algorithms: config.algorithms ?? DEFAULT_ALGS,
        issuer: config.issuer,
        audience: config.audience,
        clockTolerance: this.#tolerance,
        currentDate: new Date(this.#clock()),
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw fromJoseError(err, `the token of ${config.issuer}`);
    }
    refuseFutureIssuedAt(payload, this.#clock(), this.#tolerance, `the token of ${config.issuer}`);
    const subject = claimAt(payload, config.subjectClaim ?? 'sub');
    const tenant = claimAt(payload, config.tenantClaim);
    const scopes = scopesOf(claimAt(payload, config.scopesClaim));
    if (typeof subject !== 'string' || subject === '') throw Errors.authExternalClaimMissing({ issuer: config.issuer, claim: config.subjectClaim ?? 'sub' });
    if (typeof tenant !== 'string' || tenant === '') throw Errors.authExternalTenantMissing({ issuer: config.issuer, claim: config.tenantClaim });
    if (scopes === undefined) throw Errors.authExternalScopesInvalid({ claim: config.scopesClaim, issuer: config.issuer });
    // An issuer that exchanged tokens itself names its actors (RFC 8693 §4.1): kept for the trail when well-formed.
    const act = readActClaim(payload['act']);
    const clientId = [payload.azp, payload.client_id, payload.cid].find((v): v is string => typeof v === 'string' && v !== '') ?? subject;
    const exp = payload.exp!;
    const principal: Principal = { kind: 'external', subject, clientId, tenant, scopes, expiresAt: exp, issuer: config.issuer };
    if (typeof payload.jti === 'string') principal.tokenId = payload.jti;
    if (act) principal.act = act;
    return { principal, expiresAt: exp * 1000, claims: payload };
  }
}
