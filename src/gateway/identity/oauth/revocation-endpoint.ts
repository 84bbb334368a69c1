import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../../observability/index.js';
import type { ClientService } from '../credentials/client-service.js';
import type { RevocationStore } from '../store/revocation-store.js';
import type { LocalTokenVerifier } from '../tokens/local-token-verifier.js';
import type { RevocationList } from '../tokens/revocation-list.js';
import type { ClientAssertionVerifier } from './client-assertion.js';
import { presentedToken } from './presented-token.js';
import { Errors } from '../../../protocol/index.js';

/** What the revocation endpoint needs. */
export interface RevocationEndpointDeps {
  clients: ClientService;
  assertions: ClientAssertionVerifier;
  verifier: LocalTokenVerifier;
  store: RevocationStore;
  revocations: RevocationList;
  clock: () => number;
  log: Logger;
}

/**
 * `POST /oauth/revoke` (RFC 7009): the client revokes one of its own access
 * tokens. An invalid, expired or foreign-issuer token answers 200 (§2.2:
 * nothing to revoke); a valid token of another client is refused. The jti
 * is kept until the token's exp, in the database (for every replica) and
 * in this replica's memory at once.
 */
export async function revocationEndpoint(request: FastifyRequest, reply: FastifyReply, deps: RevocationEndpointDeps): Promise<void> {
  const { client, verified } = await presentedToken(request, deps);
  if (verified !== undefined) {
    if (verified.claims.client_id !== client.id) throw Errors.oauthTokenOfOtherClient({});
    const { jti } = verified.claims;
    await deps.store.revokeToken({ jti, clientId: client.id, revokedAt: deps.clock(), expiresAt: verified.expiresAt });
    deps.revocations.addToken(jti, verified.expiresAt);
    deps.log.info({ clientId: client.id, jti }, 'access token revoked');
  }
  await reply.header('cache-control', 'no-store').header('pragma', 'no-cache').code(200).send();
}
