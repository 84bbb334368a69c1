import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientService } from '../credentials/client-service.js';
import { GATEWAY_ADMIN_SCOPE } from '../principal.js';
import type { LocalTokenVerifier } from '../tokens/local-token-verifier.js';
import type { RevocationList } from '../tokens/revocation-list.js';
import type { ClientAssertionVerifier } from './client-assertion.js';
import { presentedToken } from './presented-token.js';

/** Scope that lets a client (a resource server) introspect other clients' tokens. */
export const INTROSPECT_SCOPE = 'oauth:introspect';

/** What the introspection endpoint needs. */
export interface IntrospectionEndpointDeps {
  clients: ClientService;
  assertions: ClientAssertionVerifier;
  verifier: LocalTokenVerifier;
  revocations: RevocationList;
}

/**
 * `POST /oauth/introspect` (RFC 7662): `{ active: false }` for anything not
 * valid now (malformed, expired, revoked, of a revoked client, of another
 * issuer), and for tokens the caller may not see: a client sees its own
 * tokens, and any token when it holds `oauth:introspect` or `gateway:admin`
 * (§4: the server decides who may introspect what).
 */
export async function introspectionEndpoint(request: FastifyRequest, reply: FastifyReply, deps: IntrospectionEndpointDeps): Promise<void> {
  const { client, verified } = await presentedToken(request, deps);
  const claims = verified?.claims;
  const visible = claims !== undefined && (claims.client_id === client.id || client.scopes.includes(INTROSPECT_SCOPE) || client.scopes.includes(GATEWAY_ADMIN_SCOPE));
  const origin = verified?.principal.origin;
  const originRevoked = origin?.kind === 'client' && ((origin.jti !== undefined && deps.revocations.isTokenRevoked(origin.jti)) || (origin.id !== undefined && deps.revocations.isClientRevoked(origin.id)));
  const active = visible && !deps.revocations.isTokenRevoked(claims.jti) && !deps.revocations.isClientRevoked(claims.client_id) && !originRevoked;
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (!active) {
    await reply.send({ active: false });
    return;
  }
  await reply.send({
    active: true,
    token_type: 'Bearer',
    scope: claims.scope,
    client_id: claims.client_id,
    sub: claims.sub,
    tenant: claims.tenant,
    aud: claims.aud,
    iss: claims.iss,
    exp: claims.exp,
    iat: claims.iat,
    nbf: claims.nbf,
    jti: claims.jti,
    // RFC 8693 §4.1: a token from a token exchange names its actors.
    ...(claims['act'] !== undefined && { act: claims['act'] }),
    // RFC 8705 §3.2: a resource server checks the binding itself.
    ...(claims['cnf'] !== undefined && { cnf: claims['cnf'] }),
  });
}
