import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { Errors, RETRY_ONLY_CLAIM, retryOnlyPayload, type RetryOnlyClaim } from '../../../protocol/index.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Actor, DelegationOrigin } from '../principal.js';

/** `typ` of access tokens (RFC 9068 §2.1). */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** `typ` of downstream assertions: never accepted where an access token is expected. */
export const ASSERTION_TYP = 'agentmesh-assertion+jwt';

/** What an access token says. */
export interface AccessTokenRequest {
  clientId: string;
  tenant: string;
  scopes: readonly string[];
  audience: string;
  /** RFC 8705 §3.1: bind the token to this client certificate (`cnf: { "x5t#S256": … }`). */
  certificateThumbprint?: string | undefined;
  /**
   * A token exchange (RFC 8693): the subject the token acts for (default the
   * client), who acts (`act`), the credential the chain started from
   * (`origin`), and the latest expiry (epoch seconds) the token may have.
   */
  delegation?: { subject: string; act: Actor; origin: DelegationOrigin; notAfter: number } | undefined;
}

/** An issued access token. */
export interface IssuedToken {
  token: string;
  jti: string;
  /** Seconds until expiry. */
  expiresIn: number;
  /** Epoch seconds. */
  expiresAt: number;
  scope: string;
}

/** The `act.sub` of the gateway's own hop in the assertions it sends agents (it forwards the call for the caller). */
export const GATEWAY_ACTOR = 'agentmesh-gateway';

/** Claims of a downstream assertion (the tenant travels to agents in it). */
export interface AssertionClaims {
  sub: string;
  tenant: string;
  scope: string;
  aud: string;
  /** Who acts for `sub` (RFC 8693 §4.1): emitted as `act: { sub }`, with `actors` nested in it. */
  act?: string;
  /** The actors of the call the assertion is made for (a delegated token's `act`), nested under `act`. */
  actors?: Actor | undefined;
  /** The credential the call's delegation started from (claim `origin`): what an exchange of this assertion is bounded and revoked by. */
  origin?: DelegationOrigin | undefined;
  /** Emitted as `task_id`. */
  taskId?: string;
  /**
   * The call is forwarded without a credit hold, to be answered only as a
   * retry (ADR 0046, third addendum): emitted as the `retry_only` claim, its
   * messageId repeated in a critical header parameter so that a verifier
   * that does not know the claim refuses the assertion.
   */
  retryOnly?: RetryOnlyClaim | undefined;
}

/** Options of {@link TokenSigner}. */
export interface TokenSignerOptions {
  ring: KeyRing;
  issuer: string;
  tokenTtlSeconds: number;
  clock: () => number;
}

/** Signs access tokens and assertions with the ring's current key. */
export class TokenSigner {
  readonly #o: TokenSignerOptions;

  constructor(options: TokenSignerOptions) {
    this.#o = options;
  }

  /**
   * An RFC 9068 access token: iss, sub, client_id, tenant, scope, aud, exp,
   * iat, nbf, jti (and cnf when bound to a certificate; act and origin when
   * it comes from a token exchange, living no longer than `delegation.notAfter`).
   */
  async accessToken(request: AccessTokenRequest): Promise<IssuedToken> {
    const scope = request.scopes.join(' ');
    const claims: Record<string, unknown> = { client_id: request.clientId, tenant: request.tenant, scope };
    if (request.certificateThumbprint !== undefined) claims.cnf = { 'x5t#S256': request.certificateThumbprint };
    let ttl = this.#o.tokenTtlSeconds;
    const { delegation } = request;
    if (delegation !== undefined) {
      claims.act = delegation.act;
      claims.origin = delegation.origin;
      ttl = Math.min(ttl, delegation.notAfter - Math.floor(this.#o.clock() / 1000));
      if (ttl < 1) throw Errors.oauthSubjectTokenExpired({});
    }
    const { token, jti, exp } = await this.#sign(claims, ACCESS_TOKEN_TYP, delegation?.subject ?? request.clientId, request.audience, ttl);
    return { token, jti, expiresIn: ttl, expiresAt: exp, scope };
  }

  /** A short-lived assertion for an agent; at most as long-lived as an access token. */
  async assertion(claims: AssertionClaims, ttlSeconds: number): Promise<string> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > this.#o.tokenTtlSeconds) {
      throw Errors.assertionTtlOutOfRange({ max: this.#o.tokenTtlSeconds, given: ttlSeconds });
    }
    for (const name of ['sub', 'tenant', 'aud'] as const) {
      if (typeof claims[name] !== 'string' || claims[name] === '') throw Errors.assertionClaimMissing({ claim: name });
    }
    const payload: Record<string, unknown> = { tenant: claims.tenant, scope: claims.scope };
    if (claims.act !== undefined) payload.act = claims.actors === undefined ? { sub: claims.act } : { sub: claims.act, act: claims.actors };
    if (claims.origin !== undefined) payload.origin = claims.origin;
    if (claims.taskId !== undefined) payload.task_id = claims.taskId;
    if (claims.retryOnly === undefined) return (await this.#sign(payload, ASSERTION_TYP, claims.sub, claims.aud, ttlSeconds)).token;
    payload[RETRY_ONLY_CLAIM] = retryOnlyPayload(claims.retryOnly);
    const critical = { crit: [RETRY_ONLY_CLAIM], [RETRY_ONLY_CLAIM]: claims.retryOnly.messageId };
    return (await this.#sign(payload, ASSERTION_TYP, claims.sub, claims.aud, ttlSeconds, critical)).token;
  }

  /** `payload` signed with the current key as a JWT of `typ`, from this issuer about `sub` to `aud`, valid from now for `ttlSeconds`. */
  async #sign(payload: Record<string, unknown>, typ: string, sub: string, aud: string, ttlSeconds: number, critical?: { crit: string[] } & Record<string, unknown>): Promise<{ token: string; jti: string; exp: number }> {
    const now = this.#o.clock();
    const key = this.#signer(now);
    const iat = Math.floor(now / 1000);
    const exp = iat + ttlSeconds;
    const jti = randomUUID();
    const token = await new SignJWT(payload)
      .setProtectedHeader(critical === undefined ? { alg: key.alg, kid: key.kid, typ } : { ...critical, alg: key.alg, kid: key.kid, typ })
      .setIssuer(this.#o.issuer)
      .setSubject(sub)
      .setAudience(aud)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key.privateKey, critical === undefined ? undefined : { crit: Object.fromEntries(critical.crit.map((name) => [name, true])) });
    return { token, jti, exp };
  }

  #signer(now: number) {
    const key = this.#o.ring.signer(now);
    if (key === undefined) throw Errors.noSigningKeyYet({});
    return key;
  }
}
