import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { KeyManager } from '../keys/key-manager.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Principal } from '../principal.js';
import { refuseFutureIssuedAt } from './issued-at.js';
import { fromJoseError } from './jose-failure.js';
import { ACCESS_TOKEN_TYP } from './token-signer.js';
import type { VerifiedToken } from './verified-token-cache.js';
import { Errors } from '../../../protocol/index.js';

/** The only algorithms our own tokens may carry: a token naming anything else (none, HS256…) is refused before any key is touched. */
const OWN_ALGS = new Set(['ES256', 'RS256']);
const REQUIRED = ['sub', 'client_id', 'tenant', 'scope', 'exp', 'iat', 'jti'];

/** A verified token of ours, with its claims (introspection shows them). */
export interface VerifiedOwnToken extends VerifiedToken {
  claims: JWTPayload & { client_id: string; tenant: string; scope: string; jti: string; exp: number };
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
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch (err) {
      throw Errors.authJwtMalformed({ what: 'the bearer token' }, { cause: err });
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
        ...(options.anyAudience !== true && { audience: this.#o.audiences }),
        typ: ACCESS_TOKEN_TYP,
        clockTolerance: this.#o.clockToleranceSeconds,
        currentDate: new Date(this.#o.clock()),
        requiredClaims: REQUIRED,
      }));
    } catch (err) {
      throw fromJoseError(err, 'the bearer token');
    }
    refuseFutureIssuedAt(payload, this.#o.clock(), this.#o.clockToleranceSeconds, 'the bearer token');
    const { client_id: clientId, tenant, scope, jti, exp, sub } = payload;
    if (typeof clientId !== 'string' || typeof tenant !== 'string' || typeof scope !== 'string' || typeof jti !== 'string' || typeof sub !== 'string' || typeof exp !== 'number') {
      throw Errors.authTokenClaimsMistyped({});
    }
    const principal: Principal = { kind: 'client', subject: sub, clientId, tenant, scopes: scope === '' ? [] : scope.split(' '), tokenId: jti, expiresAt: exp };
    return { principal, expiresAt: exp * 1000, claims: { ...payload, client_id: clientId, tenant, scope, jti, exp } };
  }
}
