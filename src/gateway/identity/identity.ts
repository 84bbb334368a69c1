import type { FastifyInstance } from 'fastify';
import type { SsrfGuard } from '../../http/index.js';
import type { Logger, Metrics } from '../../observability/index.js';
import type { Database } from '../../storage/index.js';
import { Authenticator, type CredentialCarrier } from './authenticator.js';
import { keyPublishLeadMs, parseIdentityConfig, type IdentityConfig, type IdentityConfigInput } from './config.js';
import { loadCredentialPepper } from './crypto/credential-pepper.js';
import { loadDerivedKeys } from './crypto/master-secret.js';
import { resealIdentity } from './reseal-identity.js';
import { SecretHasher } from './crypto/secret-hash.js';
import { ApiKeyService } from './credentials/api-key-service.js';
import { ClientService } from './credentials/client-service.js';
import type { ClientView } from '../../contracts/management/index.js';
import { clientView } from './credentials/views.js';
import { IdentitySync } from './identity-sync.js';
import { KeyManager } from './keys/key-manager.js';
import type { PublicSigningJwk } from './keys/key-material.js';
import { KeyRing } from './keys/key-ring.js';
import { ClientAssertionVerifier } from './oauth/client-assertion.js';
import { OAUTH_PATHS } from './oauth/server-metadata.js';
import type { Principal } from './principal.js';
import { createRequireScope, type RequireScope } from './routes/admin-guard.js';
import { managementRoutes } from './routes/management-routes.js';
import { oauthRoutes } from './routes/oauth-routes.js';
import { createApiKeyStore } from './store/api-key-store.js';
import { createClientStore } from './store/client-store.js';
import { RevocationStore } from './store/revocation-store.js';
import { RefreshTokenStore } from './store/refresh-token-store.js';
import { DelegationGrants } from './oauth/delegation-grants.js';
import { SigningKeyStore } from './store/signing-key-store.js';
import { ExternalIssuers } from './tokens/external-issuers.js';
import { LocalTokenVerifier } from './tokens/local-token-verifier.js';
import { RevocationList } from './tokens/revocation-list.js';
import { TokenSigner, type AccessTokenRequest, type AssertionClaims, type IssuedToken } from './tokens/token-signer.js';
import { VerifiedTokenCache } from './tokens/verified-token-cache.js';

/** Client views remembered for `client()` (quotas ask on every call). */
const CLIENT_VIEW_CACHE_SIZE = 10_000;

/** Options of {@link createIdentity}. */
export interface IdentityOptions {
  database: Database;
  logger: Logger;
  metrics: Metrics;
  /** Every outbound fetch (external issuers' and clients' JWKS) goes through it. */
  guard: SsrfGuard;
  config: IdentityConfigInput;
  /** Epoch-ms clock; tests pass a fake one. Default `Date.now`. */
  clock?: () => number;
  /** Level of the line that says the secret file was just generated (the gateway's `generatedSecretsLogLevel`). Default `warn`. */
  generatedSecretLogLevel?: 'warn' | 'info' | undefined;
}

/** The gateway's identity: its OAuth server, and the check every call goes through. */
export interface Identity {
  readonly config: Readonly<IdentityConfig>;
  /**
   * Registers `POST /oauth/token|revoke|introspect`, `GET /.well-known/jwks.json`,
   * `GET /.well-known/oauth-authorization-server`, and the `/v1/clients…`,
   * `/v1/api-keys…` management API (scope `gateway:admin`).
   */
  registerRoutes(app: FastifyInstance): Promise<void>;
  /**
   * The caller of a request: undefined when it carries no credential; throws
   * AM_ERR_AUTH_UNAUTHENTICATED with `details.reason` (expired, not_yet_valid,
   * wrong_audience, wrong_issuer, bad_signature, alg_not_allowed, revoked,
   * client_revoked, unknown_key, api_key_expired, api_key_revoked, …) and
   * `details.scheme` for a bad one.
   */
  authenticate(request: CredentialCarrier): Promise<Principal | undefined>;
  /**
   * `authenticate`, answered at once (a principal, undefined, or thrown) when
   * the credential was verified before: a promise only when there is checking
   * to wait for. What the gateway's every call uses.
   */
  authenticateNow(request: CredentialCarrier): Principal | undefined | Promise<Principal | undefined>;
  /**
   * `authenticate` plus one scope: 401 without credentials, 403 without the
   * scope. The static admin token (config `adminToken`) passes for
   * `gateway:admin` and `credits:admin`, as a principal with tenant `''`.
   */
  requireScope(request: CredentialCarrier, scope: string): Promise<Principal>;
  /**
   * Issues an access token as the token endpoint would, for a caller the
   * gateway already authenticated: the console's platform admin acting in a
   * tenant (`POST /v1/console/act-as`, docs/console.md). Not a grant: only
   * server code that checked the caller calls it.
   */
  issueAccessToken(request: AccessTokenRequest): Promise<IssuedToken>;
  /** Signs a short-lived downstream assertion JWT (the tenant travels to agents in it); the runtime verifies it against jwks(). */
  signAssertion(claims: AssertionClaims, ttlSeconds: number): Promise<string>;
  /** The JWK Set published now: pending, current and recently retired keys. */
  jwks(): { keys: PublicSigningJwk[] };
  /** A client's public view (its `rateLimit` feeds the quotas); undefined when unknown. Cached until the shared revision moves. */
  client(clientId: string): Promise<ClientView | undefined>;
  /** `client`, answered at once when the view is cached (every call but a client's first): a promise only when it must be read. */
  clientNow(clientId: string): ClientView | undefined | Promise<ClientView | undefined>;
  /** One sync round now: reload what other replicas changed, rotate keys when due. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the gateway's identity component: the OAuth 2.0 client-credentials
 * server on jose (ADR 0005), API keys, external issuers, and the
 * `authenticate` check of every call. State lives in the database, so
 * replicas share clients, keys and revocations; each keeps in-memory copies
 * refreshed when the shared revision moves (every `syncIntervalMs`).
 *
 * @example
 * const identity = await createIdentity({ database, logger, metrics, guard, config: { issuer: 'https://gateway.example.com', secretFile: join(dataDir, 'gateway-secret') } });
 * await identity.registerRoutes(app);
 * app.addHook('onRequest', async (request) => { request.principal = await identity.authenticate(request); });
 */
export async function createIdentity(options: IdentityOptions): Promise<Identity> {
  const config = parseIdentityConfig(options.config);
  const clock = options.clock ?? Date.now;
  const log = options.logger.child({ module: 'identity' });
  const { metrics, database, guard } = options;

  const derived = await loadDerivedKeys({ secret: config.signingKeyEncryptionSecret, previousSecret: config.previousSigningKeyEncryptionSecret, file: config.secretFile, logger: options.logger, generatedLogLevel: options.generatedSecretLogLevel });
  const hasher = new SecretHasher(await loadCredentialPepper(database, derived));
  const ring = new KeyRing({
    rotationIntervalMs: config.keyRotationIntervalMs,
    publishLeadMs: keyPublishLeadMs(config),
    maxSignedLifetimeMs: (config.tokenTtlSeconds + config.clockToleranceSeconds) * 1000,
  });
  const keys = new KeyManager({ store: new SigningKeyStore(database, derived.keyEncryption), ring, alg: config.signingAlg, clock, log });
  const revocationStore = new RevocationStore(database);
  const refreshTokenStore = new RefreshTokenStore(database);
  const clientStore = createClientStore(database);
  const revocations = new RevocationList();
  const cache = new VerifiedTokenCache(config.verifiedTokenCacheSize);
  const clients = new ClientService({ store: clientStore, hasher, revocations, guard, defaultAudience: config.audience, rotationGraceSeconds: config.secretRotationGraceSeconds, clock });
  const apiKeys = new ApiKeyService({ store: createApiKeyStore(database), hasher, rotationGraceSeconds: config.secretRotationGraceSeconds, cacheSize: config.apiKeyCacheSize, clock });
  const signer = new TokenSigner({ ring, issuer: config.issuer, tokenTtlSeconds: config.tokenTtlSeconds, clock });
  const verifier = new LocalTokenVerifier({ ring, keys, issuer: config.issuer, audiences: [config.audience, ...config.acceptedAudiences], clockToleranceSeconds: config.clockToleranceSeconds, clock });
  const external = new ExternalIssuers({ issuers: config.externalIssuers, guard, clockToleranceSeconds: config.clockToleranceSeconds, clock });
  const assertions = new ClientAssertionVerifier({
    clients,
    replays: revocationStore,
    guard,
    tokenEndpoint: config.issuer + OAUTH_PATHS.token,
    issuer: config.issuer,
    clockToleranceSeconds: config.clockToleranceSeconds,
    maxLifetimeSeconds: config.maxClientAssertionLifetimeSeconds,
    clock,
  });
  const authenticator = new Authenticator({ local: verifier, external, apiKeys, revocations, cache, issuer: config.issuer, clockToleranceSeconds: config.clockToleranceSeconds, clock, metrics });
  const authenticate = (request: CredentialCarrier) => authenticator.authenticate(request);
  const requireScope: RequireScope = createRequireScope({ adminToken: config.adminToken, authenticate });
  const clientViews = new Map<string, ClientView | undefined>();
  const readClientView = async (clientId: string): Promise<ClientView | undefined> => {
    const record = await clients.get(clientId);
    const view = record && clientView(record, clock());
    if (clientViews.size >= CLIENT_VIEW_CACHE_SIZE) clientViews.delete(clientViews.keys().next().value!);
    clientViews.set(clientId, view);
    return view;
  };
  const clientNow = (clientId: string): ClientView | undefined | Promise<ClientView | undefined> => {
    const view = clientViews.get(clientId);
    // An unknown client is cached too (as undefined): `has` tells it from one not read yet.
    return view !== undefined || clientViews.has(clientId) ? view : readClientView(clientId);
  };

  const keyGauge = metrics.gauge('agentmesh_identity_signing_keys', 'Signing keys published in the JWKS');
  const sync = new IdentitySync({
    database,
    keys,
    revocationStore,
    refreshTokenStore,
    clientStore,
    revocations,
    clientRevocationWindowMs: (config.tokenTtlSeconds + config.clockToleranceSeconds) * 1000,
    onRevision: () => {
      apiKeys.invalidate();
      assertions.invalidate();
      clientViews.clear();
    },
    afterRound: () => {
      cache.sweep(clock() - config.clockToleranceSeconds * 1000);
      keyGauge.set(ring.jwks(clock()).keys.length);
    },
    intervalMs: config.syncIntervalMs,
    clock,
    log,
  });
  await sync.start();
  if (derived.keyEncryption.previous !== undefined) {
    // A rotation in progress: say what is left, so the operator knows when the previous secret can go.
    const left = await resealIdentity(database, derived, { dryRun: true });
    const underPrevious = left.signingKeys.underPrevious + left.credentialPepper.underPrevious;
    if (underPrevious > 0) log.warn({ underPrevious }, 'rows are still sealed under GATEWAY_SECRET_PREVIOUS: once every replica has both secrets, run `agentmesh secrets rotate`');
    else log.info('nothing is sealed under GATEWAY_SECRET_PREVIOUS any more: remove it and restart the replicas');
  }

  const issued = metrics.counter('agentmesh_identity_tokens_issued_total', 'Access tokens issued, by client authentication method', ['method']);
  const exchanged = metrics.counter('agentmesh_identity_token_exchanges_total', 'Tokens issued by token exchange (RFC 8693), by the kind of subject token (access_token, external, assertion)', ['subject']);
  const refused = metrics.counter('agentmesh_identity_oauth_errors_total', 'OAuth requests refused, by endpoint and RFC 6749 error code', ['endpoint', 'error']);
  const grantOutcomes = metrics.counter('agentmesh_identity_delegation_grants_total', 'Delegation grants (refresh tokens, ADR 0042) issued, refreshed, retried, revoked and refused, by outcome (issued, refreshed, retried: a used token presented again before its successor was redeemed, ADR 0058; revoked, reused, expired, unknown)', ['outcome']);
  const grants = new DelegationGrants({ store: refreshTokenStore, signer, clients, apiKeys, revocations, grantTtlSeconds: config.delegationGrantTtlSeconds, retrySeconds: config.delegationGrantRetrySeconds, clock, log, outcomes: grantOutcomes });
  const leadSeconds = Math.floor(keyPublishLeadMs(config) / 1000);

  log.info({ issuer: config.issuer, alg: config.signingAlg, keys: ring.size, externalIssuers: config.externalIssuers.map((e) => e.issuer), adminToken: config.adminToken !== undefined }, 'identity ready');
  return {
    config,
    async registerRoutes(app) {
      await app.register(oauthRoutes, {
        issuer: config.issuer,
        defaultAudience: config.audience,
        signingAlgs: [config.signingAlg],
        clients,
        assertions,
        signer,
        verifier,
        revocationStore,
        revocations,
        jwks: () => ring.jwks(clock()),
        jwksMaxAgeSeconds: Math.min(300, Math.floor(leadSeconds / 2)),
        clock,
        log,
        issued,
        exchanged,
        refused,
        exchange: { issuer: config.issuer, verifier, external, revocations, apiKeys, tokenTtlSeconds: config.tokenTtlSeconds, clock },
        grants,
      });
      await app.register(managementRoutes, { clients, apiKeys, requireScope, clock, log });
    },
    authenticate,
    authenticateNow: (request) => authenticator.authenticateNow(request),
    requireScope,
    issueAccessToken: (request) => signer.accessToken(request),
    signAssertion: (claims, ttlSeconds) => signer.assertion(claims, ttlSeconds),
    jwks: () => ring.jwks(clock()),
    client: async (clientId) => clientNow(clientId),
    clientNow,
    sync: () => sync.runOnce(),
    close: () => sync.close(),
  };
}
