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

/**
 * Verifies access tokens this gateway issued: algorithm pinned per key (the
 * header's alg must be the key's), key by kid among the published ones
 * (reloading once when the kid is new: another replica may have rotated),
 * typ `at+jwt`, iss, aud, exp/nbf/iat with tolerance, and the claims a
 * principal needs. Revocation is the caller's check (it applies to cached
 * hits too).
 */
export class LocalTokenVerifier {
  readonly #ring: KeyRing;
  readonly #keys: KeyManager;
  readonly #issuer: string;
  readonly #audiences: string[];
  readonly #tolerance: number;
  readonly #clock: () => number;

  constructor(options: { ring: KeyRing; keys: KeyManager; issuer: string; audiences: string[]; clockToleranceSeconds: number; clock: () => number }) {
    this.#ring = options.ring;
    this.#keys = options.keys;
    this.#issuer = options.issuer;
    this.#audiences = options.audiences;
    this.#tolerance = options.clockToleranceSeconds;
    this.#clock = options.clock;
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
    let key = this.#ring.verifier(header.kid, this.#clock());
    if (key === undefined) {
      await this.#keys.reloadForUnknownKid();
      key = this.#ring.verifier(header.kid, this.#clock());
    }
    if (key === undefined) throw Errors.authTokenKeyUnknown({});
    if (key.alg !== header.alg) throw Errors.authTokenAlgMismatch({ alg: header.alg, keyAlg: key.alg });

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [key.alg],
        issuer: this.#issuer,
        ...(options.anyAudience !== true && { audience: this.#audiences }),
        typ: ACCESS_TOKEN_TYP,
        clockTolerance: this.#tolerance,
        currentDate: new Date(this.#clock()),
        requiredClaims: REQUIRED,
      }));
    } catch (err) {
      throw fromJoseError(err, 'the bearer token');
    }
    refuseFutureIssuedAt(payload, this.#clock(), this.#tolerance, 'the bearer token');
    const { client_id: clientId, tenant, scope, jti, exp, sub } = payload;
    if (typeof clientId !== 'string' || typeof tenant !== 'string' || typeof scope !== 'string' || typeof jti !== 'string' || typeof sub !== 'string' || typeof exp !== 'number') {
      throw Errors.authTokenClaimsMistyped({});
    }
    const principal: Principal = { kind: 'client', subject: sub, clientId, tenant, scopes: scope === '' ? [] : scope.split(' '), tokenId: jti, expiresAt: exp };
    return { principal, expiresAt: exp * 1000, claims: { ...payload, client_id: clientId, tenant, scope, jti, exp } };
  }
}
