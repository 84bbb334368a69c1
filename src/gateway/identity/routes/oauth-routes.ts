import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import type { Logger } from '../../../observability/index.js';
import type { ClientService } from '../credentials/client-service.js';
import type { ClientAssertionVerifier } from '../oauth/client-assertion.js';
import { registerFormParser } from '../oauth/form-body.js';
import { introspectionEndpoint } from '../oauth/introspection-endpoint.js';
import { renderOAuthError } from '../oauth/oauth-error.js';
import { revocationEndpoint } from '../oauth/revocation-endpoint.js';
import type { DelegationGrants } from '../oauth/delegation-grants.js';
import { OAUTH_PATHS, serverMetadata } from '../oauth/server-metadata.js';
import { tokenEndpoint, type TokenEndpointDeps } from '../oauth/token-endpoint.js';
import type { RevocationStore } from '../store/revocation-store.js';
import type { LocalTokenVerifier } from '../tokens/local-token-verifier.js';
import type { RevocationList } from '../tokens/revocation-list.js';
import type { TokenSigner } from '../tokens/token-signer.js';
import type { PublicSigningJwk } from '../keys/key-material.js';

/** What the OAuth routes need. */
export interface OAuthRoutesOptions {
  issuer: string;
  defaultAudience: string;
  signingAlgs: readonly string[];
  clients: ClientService;
  assertions: ClientAssertionVerifier;
  signer: TokenSigner;
  verifier: LocalTokenVerifier;
  revocationStore: RevocationStore;
  revocations: RevocationList;
  jwks: () => { keys: PublicSigningJwk[] };
  /** Cache lifetime of the JWKS response, seconds (below the key pre-publication lead). */
  jwksMaxAgeSeconds: number;
  clock: () => number;
  log: Logger;
  issued: Counter<string>;
  exchanged: Counter<string>;
  refused: Counter<string>;
  /** What the token exchange grant reads subject tokens with. */
  exchange: TokenEndpointDeps['exchange'];
  grants: DelegationGrants;
}

/**
 * The OAuth endpoints in one encapsulated scope: the form parser and the
 * RFC 6749 §5.2 error rendering stay inside it, so the rest of the gateway
 * keeps JSON bodies and google.rpc.Status errors.
 */
export async function oauthRoutes(app: FastifyInstance, options: OAuthRoutesOptions): Promise<void> {
  const { log } = options;
  const tags = ['oauth'];

  await app.register(async (scope) => {
    registerFormParser(scope);
    scope.setErrorHandler((err, request, reply) => {
      const rendered = renderOAuthError(err);
      const endpoint = request.routeOptions.url ?? 'unknown';
      options.refused.labels({ endpoint, error: rendered.body.error }).inc();
      if (rendered.internal) request.log.error({ err, endpoint }, 'OAuth request failed');
      else request.log.info({ endpoint, error: rendered.body.error, description: rendered.body.error_description }, 'OAuth request refused');
      void reply.code(rendered.status).headers(rendered.headers).type('application/json; charset=utf-8').send(rendered.body);
    });
    const common = { clients: options.clients, assertions: options.assertions };
    const tokenDeps: TokenEndpointDeps = { ...common, signer: options.signer, defaultAudience: options.defaultAudience, issued: options.issued, exchanged: options.exchanged, exchange: options.exchange, grants: options.grants, log };
    scope.post(OAUTH_PATHS.token, { schema: { tags, summary: 'Client credentials (RFC 6749 §4.4), token exchange (RFC 8693) and refresh token (RFC 6749 §6)' } }, (request, reply) => tokenEndpoint(request, reply, tokenDeps));
    scope.post(OAUTH_PATHS.revocation, { schema: { tags, summary: 'Revoke an access token or a delegation grant (RFC 7009)' } }, (request, reply) =>
      revocationEndpoint(request, reply, { ...common, verifier: options.verifier, store: options.revocationStore, revocations: options.revocations, grants: options.grants, tokenTtlSeconds: options.exchange.tokenTtlSeconds, clock: options.clock, log }),
    );
    scope.post(OAUTH_PATHS.introspection, { schema: { tags, summary: 'Introspect an access token (RFC 7662)' } }, (request, reply) =>
      introspectionEndpoint(request, reply, { ...common, verifier: options.verifier, revocations: options.revocations }),
    );
  });

  app.get(OAUTH_PATHS.jwks, { schema: { tags, summary: 'Token signing keys (RFC 7517)' } }, async (_request, reply) => {
    const maxAge = options.jwksMaxAgeSeconds;
    return reply
      .header('cache-control', maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache')
      .type('application/jwk-set+json')
      .send(JSON.stringify(options.jwks()));
  });
  const metadata = JSON.stringify(serverMetadata(options.issuer, options.signingAlgs));
  app.get(OAUTH_PATHS.metadata, { schema: { tags, summary: 'Authorization server metadata (RFC 8414)' } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('application/json; charset=utf-8').send(metadata),
  );
}
