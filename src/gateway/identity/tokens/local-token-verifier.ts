import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { KeyManager } from '../keys/key-manager.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Actor, DelegationOrigin, Principal } from '../principal.js';
import { readActClaim, readOriginClaim } from './delegation-claims.js';
import { refuseFutureIssuedAt } from './issued-at.js';
import { fromJoseError } from './jose-failure.js';
import { ACCESS_TOKEN_TYP, ASSERTION_TYP } from './token-signer.js';
import type { VerifiedToken } from './verified-token-cache.js';
import { Errors } from '../../../protocol/index.js';

/** The only algorithms our own tokens may carry: a token naming anything else (none, HS256…) is refused before any key is touched. */
const OWN_ALGS = new Set(['ES256', 'RS256']);
const REQUIRED = ['sub', 'client_id', 'tenant', 'scope', 'exp', 'iat', 'jti'];
const ASSERTION_REQUIRED = ['sub', 'tenant', 'exp', 'iat', 'jti'];
/** The audience of the assertions the gateway sends agents: `agentmesh:agent:<name>`. */
export const AGENT_AUDIENCE_PREFIX = 'agentmesh:agent:';

/** A verified token of ours, with its claims (introspection shows them). */
export interface VerifiedOwnToken extends VerifiedToken {
  claims: JWTPayload & { client_id: string; tenant: string; scope: string; jti: string; exp: number };
}

/** A verified assertion of ours: whom the gateway sent an agent a call for, and through whom. */
export interface VerifiedAssertion {
  subject: string;
  tenant: string;
  scopes: string[];
  /** The agent it was sent to (its audience). */
  agent: string;
  /** Epoch seconds. */
  expiresAt: number;
  jti: string;
  /** The chain it carries: the gateway outermost, then the actors of the call it was made for. */
  act: Actor | undefined;
  origin: DelegationOrigin | undefined;
  claims: JWTPayload;
}

/** Options of {@link LocalTokenVerifier}. */
export interface LocalTokenVerifierOptions {
  ring: KeyRing;
  keys: KeyManager;
  issuer: string;
  audiences: string[];
  clockToleranceSeconds: number;
  clock: () => number;
}

/**
 * Verifies access tokens this gateway issued: algorithm pinned per key (the
 * header's alg must be the key's), key by kid among the published ones
 * (reloading once when the kid is new: another replica may have rotated),
 * typ `at+jwt`, iss, aud, exp/nbf/iat with tolerance, and the claims a
 * principal needs. Revocation is the caller's check (it applies to cached
 * hits too).
 */
export class LocalTokenVerifier {
  readonly #o: LocalTokenVerifierOptions;

  constructor(options: LocalTokenVerifierOptions) {
    this.#o = options;
  }

  /** Verifies `token`; `anyAudience` skips the audience check (revocation and introspection of a client's own tokens). */
  async verify(token: string, options: { anyAudience?: boolean } = {}): Promise<VerifiedOwnToken> {
    const payload = await this.#verified(token, ACCESS_TOKEN_TYP, REQUIRED, options.anyAudience === true ? undefined : this.#o.audiences, 'the bearer token');
    const { client_id: clientId, tenant, scope, jti, exp, sub } = payload;
    if (typeof clientId !== 'string' || typeof tenant !== 'string' || typeof scope !== 'string' || typeof jti !== 'string' || typeof sub !== 'string' || typeof exp !== 'number') {
      throw Errors.authTokenClaimsMistyped({});
    }
    const principal: Principal = { kind: 'client', subject: sub, clientId, tenant, scopes: scope === '' ? [] : scope.split(' '), tokenId: jti, expiresAt: exp };
    // A token from a token exchange (docs/adr/0036-token-exchange-and-delegation-chains.md): who acts, and the credential it started from.
    const act = readActClaim(payload['act']);
    const origin = readOriginClaim(payload['origin']);
    if (act === null || origin === null || (act === undefined) !== (origin === undefined)) throw Errors.authTokenClaimsMistyped({});
    if (act !== undefined) {
      principal.act = act;
      principal.origin = origin!;
    }
    return { principal, expiresAt: exp * 1000, claims: { ...payload, client_id: clientId, tenant, scope, jti, exp } };
  }

  /**
   * Verifies an assertion this gateway sent an agent (typ
   * `agentmesh-assertion+jwt`, audience `agentmesh:agent:<name>`): what an
   * agent exchanges to act further for its caller. Never an access token.
   */
  async verifyAssertion(token: string): Promise<VerifiedAssertion> {
    const payload = await this.#verified(token, ASSERTION_TYP, ASSERTION_REQUIRED, undefined, 'the subject token');
    const { sub, tenant, scope, aud, exp, jti } = payload;
    const agent = typeof aud === 'string' && aud.startsWith(AGENT_AUDIENCE_PREFIX) ? aud.slice(AGENT_AUDIENCE_PREFIX.length) : '';
    if (typeof sub !== 'string' || typeof tenant !== 'string' || (scope !== undefined && typeof scope !== 'string') || agent === '' || typeof exp !== 'number' || typeof jti !== 'string') {
      throw Errors.authTokenClaimsMistyped({});
    }
    const act = readActClaim(payload['act']);
    const origin = readOriginClaim(payload['origin']);
    if (act === null || origin === null) throw Errors.authTokenClaimsMistyped({});
    return { subject: sub, tenant, scopes: typeof scope === 'string' && scope !== '' ? scope.split(' ') : [], agent, expiresAt: exp, jti, act, origin, claims: payload };
  }

  /** The verified claims of one of our JWTs of type `typ`: key by kid (reloading once for a new one), algorithm pinned to the key's. */
  async #verified(token: string, typ: string, requiredClaims: string[], audience: string[] | undefined, what: string): Promise<JWTPayload> {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch (err) {
      throw Errors.authJwtMalformed({ what }, { cause: err });
    }
    if (typeof header.alg !== 'string' || !OWN_ALGS.has(header.alg)) {
      throw Errors.authTokenAlgRefused({ alg: JSON.stringify(header.alg ?? null) });
    }
    if (typeof header.kid !== 'string') throw Errors.authTokenWithoutKid({});
    let key = this.#o.ring.verifier(header.kid, this.#o.clock());
    if (key === undefined) {
      await this.#o.keys.reloadForUnknownKid();
      key = this.#o.ring.verifier(header.kid, this.#o.clock());
    }
    if (key === undefined) throw Errors.authTokenKeyUnknown({});
    if (key.alg !== header.alg) throw Errors.authTokenAlgMismatch({ alg: header.alg, keyAlg: key.alg });

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [key.alg],
        issuer: this.#o.issuer,
        ...(audience !== undefined && { audience }),
        typ,
        clockTolerance: this.#o.clockToleranceSeconds,
        currentDate: new Date(this.#o.clock()),
        requiredClaims,
      }));
    } catch (err) {
      throw fromJoseError(err, what);
    }
    refuseFutureIssuedAt(payload, this.#o.clock(), this.#o.clockToleranceSeconds, what);
    return payload;
  }
}
