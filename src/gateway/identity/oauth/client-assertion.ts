import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeJwt, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { SsrfGuard } from '../../../http/index.js';
import { isAgentmeshError, Errors } from '../../../protocol/index.js';
import type { ClientService } from '../credentials/client-service.js';
import type { ClientRecord } from '../store/records.js';
import type { RevocationStore } from '../store/revocation-store.js';
import { fromJoseError } from '../tokens/jose-failure.js';
import { guardedJwksFetch } from '../tokens/external-issuers.js';

/** RFC 7523 §2.2. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Client assertions must be signed with a public-key algorithm (client_secret_jwt is not offered). */
export const CLIENT_ASSERTION_ALGS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

/** Remote key sets kept (one per private_key_jwt client with a jwks_uri). */
const MAX_REMOTE_SETS = 1000;

/**
 * Verifies a private_key_jwt client assertion (RFC 7523 §3, OIDC Core §9):
 *
 * - iss and sub are both the client_id (and equal the client_id parameter when sent);
 * - the client is registered for private_key_jwt;
 * - the signature is by one of its keys (inline JWKS, or its jwks_uri fetched through the SSRF guard), asymmetric algorithms only;
 * - aud names the token endpoint or the issuer;
 * - exp is present and at most `maxLifetimeSeconds` ahead;
 * - jti is present and was never used before (kept in the database until exp, so replicas share it).
 */
export class ClientAssertionVerifier {
  readonly #clients: ClientService;
  readonly #replays: RevocationStore;
  readonly #guard: SsrfGuard;
  readonly #audiences: string[];
  readonly #tolerance: number;
  readonly #maxLifetime: number;
  readonly #clock: () => number;
  readonly #remoteSets = new Map<string, JWTVerifyGetKey>();

  constructor(options: { clients: ClientService; replays: RevocationStore; guard: SsrfGuard; tokenEndpoint: string; issuer: string; clockToleranceSeconds: number; maxLifetimeSeconds: number; clock: () => number }) {
    this.#clients = options.clients;
    this.#replays = options.replays;
    this.#guard = options.guard;
    this.#audiences = [options.tokenEndpoint, options.issuer];
    this.#tolerance = options.clockToleranceSeconds;
    this.#maxLifetime = options.maxLifetimeSeconds;
    this.#clock = options.clock;
  }

  async verify(assertion: string, clientIdParam: string | undefined): Promise<ClientRecord> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(assertion);
    } catch {
      throw Errors.oauthAssertionNotJwt({});
    }
    const clientId = unverified.sub;
    if (typeof clientId !== 'string' || unverified.iss !== clientId) throw Errors.oauthAssertionIssSub({});
    if (clientIdParam !== undefined && clientIdParam !== clientId) throw Errors.oauthAssertionSubjectDiffers({});
    const client = await this.#clients.get(clientId);
    if (client === undefined || client.authMethod !== 'private_key_jwt') throw Errors.oauthClientAuthFailed({});

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, this.#keysOf(client), {
        algorithms: CLIENT_ASSERTION_ALGS,
        issuer: clientId,
        subject: clientId,
        audience: this.#audiences,
        clockTolerance: this.#tolerance,
        currentDate: new Date(this.#clock()),
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (err) {
      const refusal = fromJoseError(err, 'client_assertion');
      if (isAgentmeshError(refusal) && refusal.retryable) throw refusal;
      throw Errors.oauthAssertionRefused({ reason: refusal.message }, { cause: err });
    }
    const nowSeconds = this.#clock() / 1000;
    if (typeof payload.iat === 'number' && payload.iat > nowSeconds + this.#tolerance) throw Errors.oauthAssertionNotYetValid({});
    const exp = payload.exp!;
    if (exp - nowSeconds > this.#maxLifetime + this.#tolerance) throw Errors.oauthAssertionTooLong({ maxLifetime: this.#maxLifetime });
    if (typeof payload.jti !== 'string' || payload.jti === '') throw Errors.oauthAssertionWithoutJti({});
    if (!(await this.#replays.useAssertionJti(clientId, payload.jti, exp * 1000))) throw Errors.oauthAssertionReplayed({});
    return client;
  }

  /** Forgets cached remote key sets (a client changed or was revoked). */
  invalidate(): void {
    this.#remoteSets.clear();
  }

  #keysOf(client: ClientRecord): JWTVerifyGetKey {
    if (client.jwks !== undefined) return createLocalJWKSet(client.jwks);
    const cacheKey = `${client.id} ${client.jwksUri}`;
    let set = this.#remoteSets.get(cacheKey);
    if (set === undefined) {
      if (this.#remoteSets.size >= MAX_REMOTE_SETS) this.#remoteSets.delete(this.#remoteSets.keys().next().value!);
      set = createRemoteJWKSet(new URL(client.jwksUri!), { [customFetch]: guardedJwksFetch(this.#guard) });
      this.#remoteSets.set(cacheKey, set);
    }
    return set;
  }
}
