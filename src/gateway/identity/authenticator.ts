import type { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { Counter } from 'prom-client';
import { peerCertificateThumbprint } from '../../http/index.js';
import { boundCounter, type BoundCounter, type Metrics } from '../../observability/index.js';
import { authFailureReason } from './auth-failure.js';
import type { ApiKeyService } from './credentials/api-key-service.js';
import type { Principal } from './principal.js';
import type { ExternalIssuers } from './tokens/external-issuers.js';
import type { LocalTokenVerifier } from './tokens/local-token-verifier.js';
import type { RevocationList } from './tokens/revocation-list.js';
import type { VerifiedToken, VerifiedTokenCache } from './tokens/verified-token-cache.js';
import { Errors, isRecord, toError } from '../../protocol/index.js';

/**
 * What `authenticate` reads of a request: its headers, and its connection's
 * client certificate for a token bound to one (RFC 8705). Without `raw`, a
 * bound token is refused.
 */
export type CredentialCarrier = Pick<FastifyRequest, 'headers'> & { readonly raw?: { readonly socket?: unknown } };

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The token of `Bearer <token>` (scheme in any case, RFC 6750 §2.1); checked against b64token only on a cache miss. */
function bearerToken(header: string): string {
  if (header.length > 7 && header.charCodeAt(6) === 32 && header.slice(0, 6).toLowerCase() === 'bearer') {
    let i = 7;
    while (header.charCodeAt(i) === 32) i++;
    if (i < header.length) return header.slice(i);
    throw Errors.authHeaderNotBearer({});
  }
  if (/^Bearer\s*$/i.test(header)) throw Errors.authHeaderNotBearer({});
  throw Errors.authSchemeUnsupported({});
}

/**
 * The `x5t#S256` of a token's `cnf` claim. A confirmation this gateway cannot
 * check (a DPoP `jkt`, a malformed one) is refused rather than ignored: the
 * issuer meant the token to be unusable without the proof.
 */
function boundCertificate(cnf: unknown): string {
  const thumbprint = isRecord(cnf) && Object.hasOwn(cnf, 'x5t#S256') ? cnf['x5t#S256'] : undefined;
  if (typeof thumbprint !== 'string' || thumbprint === '') throw Errors.authConfirmationUnsupported({});
  return thumbprint;
}

/**
 * The hot-path check of every call: finds the one credential a request
 * carries (a bearer token or an X-API-Key), verifies it, and checks
 * revocation. Verified tokens are cached by their text, so only the first
 * call with a token pays for the signature; revocation and expiry are
 * checked on every call from memory.
 */
export class Authenticator {
  readonly #local: LocalTokenVerifier;
  readonly #external: ExternalIssuers;
  readonly #apiKeys: ApiKeyService;
  readonly #revocations: RevocationList;
  readonly #cache: VerifiedTokenCache;
  readonly #issuer: string;
  readonly #toleranceMs: number;
  readonly #clock: () => number;
  readonly #outcomes: Counter<string>;
  readonly #outcomeChildren = new Map<string, BoundCounter>();
  /** The counter of every call with a token seen before, bound once: no key is built for it per call. */
  #bearerOk: BoundCounter | undefined;

  constructor(options: {
    local: LocalTokenVerifier;
    external: ExternalIssuers;
    apiKeys: ApiKeyService;
    revocations: RevocationList;
    cache: VerifiedTokenCache;
    issuer: string;
    clockToleranceSeconds: number;
    clock: () => number;
    metrics: Metrics;
  }) {
    this.#local = options.local;
    this.#external = options.external;
    this.#apiKeys = options.apiKeys;
    this.#revocations = options.revocations;
    this.#cache = options.cache;
    this.#issuer = options.issuer;
    this.#toleranceMs = options.clockToleranceSeconds * 1000;
    this.#clock = options.clock;
    this.#outcomes = options.metrics.counter('agentmesh_identity_authentications_total', 'Credentials checked, by kind (bearer, api-key) and outcome (ok or the refusal reason)', ['kind', 'outcome']);
  }

  /** The caller of `request`; undefined when it carries no credential; AM_ERR_AUTH_UNAUTHENTICATED (with `details.reason`) for a bad one. */
  authenticate(request: CredentialCarrier): Promise<Principal | undefined> {
    try {
      const principal = this.authenticateNow(request);
      return principal instanceof Promise ? principal : Promise.resolve(principal);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * {@link authenticate} without a promise when none is needed: a token seen
   * before (or no credential at all) is answered at once and a bad one throws;
   * a promise only when a signature or an API key must be checked. The
   * gateway's every call takes this path, so it neither allocates a promise
   * nor waits a microtask for a principal already in memory.
   */
  authenticateNow(request: CredentialCarrier): Principal | undefined | Promise<Principal | undefined> {
    // No regex before the cache: the path of a token seen before is one header read, one map lookup and two set lookups.
    const headers = request.headers;
    const authorization = headers.authorization;
    const apiKey = headers['x-api-key'];
    try {
      if (authorization === undefined) return apiKey === undefined ? undefined : this.#apiKey(apiKey);
      // RFC 6750 §2: a client MUST NOT use more than one method per request.
      if (apiKey !== undefined) throw Errors.authCredentialsAmbiguous({});
      const token = bearerToken(authorization);
      const hit = this.#cache.get(token);
      if (hit !== undefined) {
        const principal = this.#admit(token, hit, request);
        (this.#bearerOk ??= this.#counter('bearer', 'ok')).inc();
        return principal;
      }
      return this.#verify(token, request);
    } catch (err) {
      this.#count(apiKey !== undefined && authorization === undefined ? 'api-key' : 'bearer', authFailureReason(err) ?? 'error');
      throw toError(err);
    }
  }

  /** Verifies a bearer token (ours or an external issuer's) and checks revocation. */
  async #bearer(token: string, request: CredentialCarrier): Promise<Principal> {
    const hit = this.#cache.get(token);
    if (hit !== undefined) return this.#admit(token, hit, request);
    let iss: unknown;
    let cnf: unknown;
    try {
      ({ iss, cnf } = decodeJwt(token));
    } catch (err) {
      throw Errors.authJwtMalformed({ what: 'the bearer token' }, { cause: err });
    }
    let verified: VerifiedToken;
    if (iss === this.#issuer) verified = await this.#local.verify(token);
    else if (typeof iss === 'string' && this.#external.has(iss)) verified = await this.#external.verify(token, iss);
    else throw typeof iss === 'string' ? Errors.authJwtWrongIssuer({ what: 'the token' }) : Errors.authIssuerMissing({});
    // Read from the same bytes the signature covered, so only now trusted.
    if (cnf !== undefined) verified = { ...verified, certificateThumbprint: boundCertificate(cnf) };
    Object.freeze(verified.principal.scopes);
    Object.freeze(verified.principal);
    this.#cache.set(token, verified);
    return this.#admit(token, verified, request);
  }

  async #verify(token: string, request: CredentialCarrier): Promise<Principal> {
    if (!B64TOKEN.test(token)) {
      this.#count('bearer', 'malformed');
      throw Errors.authHeaderNotBearer({});
    }
    try {
      const principal = await this.#bearer(token, request);
      this.#count('bearer', 'ok');
      return principal;
    } catch (err) {
      this.#count('bearer', authFailureReason(err) ?? 'error');
      throw err;
    }
  }

  async #apiKey(value: string | string[]): Promise<Principal> {
    try {
      if (typeof value !== 'string') throw Errors.authApiKeyHeaderRepeated({});
      const principal = await this.#apiKeys.authenticate(value);
      this.#count('api-key', 'ok');
      return principal;
    } catch (err) {
      this.#count('api-key', authFailureReason(err) ?? 'error');
      throw err;
    }
  }

  #admit(token: string, verified: VerifiedToken, request: CredentialCarrier): Principal {
    const { principal } = verified;
    if (verified.expiresAt <= this.#clock() - this.#toleranceMs) {
      this.#cache.delete(token);
      throw Errors.authTokenExpired({});
    }
    // RFC 8705 §3: only bound tokens pay for the peer certificate's hash, once per connection.
    if (verified.certificateThumbprint !== undefined && peerCertificateThumbprint(request.raw?.socket) !== verified.certificateThumbprint) {
      throw Errors.authCertificateMissing({});
    }
    if (principal.kind === 'client') {
      if (principal.tokenId !== undefined && this.#revocations.isTokenRevoked(principal.tokenId)) throw Errors.authTokenRevoked({});
      if (this.#revocations.isClientRevoked(principal.clientId)) throw Errors.authClientRevoked({ clientId: principal.clientId });
      // A token from a token exchange dies with the caller's token (or client) it was derived from (ADR 0036).
      const origin = principal.origin;
      if (origin !== undefined && origin.kind === 'client' && ((origin.jti !== undefined && this.#revocations.isTokenRevoked(origin.jti)) || (origin.id !== undefined && this.#revocations.isClientRevoked(origin.id)))) {
        throw Errors.authTokenRevoked({});
      }
    }
    return principal;
  }

  #count(kind: string, outcome: string): void {
    this.#counter(kind, outcome).inc();
  }

  #counter(kind: string, outcome: string): BoundCounter {
    const key = `${kind}|${outcome}`;
    let child = this.#outcomeChildren.get(key);
    if (child === undefined) {
      child = boundCounter(this.#outcomes, { kind, outcome });
      this.#outcomeChildren.set(key, child);
    }
    return child;
  }
}
