import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../../observability/index.js';
import type { ClientService } from '../credentials/client-service.js';
import type { RevocationStore } from '../store/revocation-store.js';
import type { LocalTokenVerifier } from '../tokens/local-token-verifier.js';
import type { RevocationList } from '../tokens/revocation-list.js';
import type { ClientAssertionVerifier } from './client-assertion.js';
import type { DelegationGrants } from './delegation-grants.js';
import { presentedToken } from './presented-token.js';
import { Errors } from '../../../protocol/index.js';

/** What the revocation endpoint needs. */
export interface RevocationEndpointDeps {
  clients: ClientService;
  assertions: ClientAssertionVerifier;
  verifier: LocalTokenVerifier;
  store: RevocationStore;
  revocations: RevocationList;
  grants: DelegationGrants;
  /** Longest lifetime of an access token, seconds: a revoked caller's token is kept revoked that long past a grant it ended. */
  tokenTtlSeconds: number;
  clock: () => number;
  log: Logger;
}

/**
 * `POST /oauth/revoke` (RFC 7009): the client revokes one of its own access
 * tokens, or one of its delegation grants by its refresh token (the whole
 * grant). An invalid, expired or foreign-issuer token answers 200 (§2.2:
 * nothing to revoke); a valid token of another client is refused. The jti
 * is kept until the token's exp, in the database (for every replica) and
 * in this replica's memory at once. Revoking a caller's access token ends
 * the delegation grants made from it (docs/adr/0042-durable-delegation-grants.md),
 * and the jti is then kept revoked for one more token lifetime, so that the
 * access tokens those grants already issued (which name it as their origin)
 * are refused too.
 */
export async function revocationEndpoint(request: FastifyRequest, reply: FastifyReply, deps: RevocationEndpointDeps): Promise<void> {
  const { client, verified, token } = await presentedToken(request, deps);
  if (verified === undefined) await deps.grants.revoke(token, client);
  else {
    if (verified.claims.client_id !== client.id) throw Errors.oauthTokenOfOtherClient({});
    const { jti } = verified.claims;
    const now = deps.clock();
    const ended = await deps.grants.revokeFromToken(jti);
    const expiresAt = ended > 0 ? Math.max(verified.expiresAt, now + deps.tokenTtlSeconds * 1000) : verified.expiresAt;
    await deps.store.revokeToken({ jti, clientId: client.id, revokedAt: now, expiresAt });
    deps.revocations.addToken(jti, expiresAt);
    deps.log.info({ clientId: client.id, jti, grantsEnded: ended }, 'access token revoked');
  }
  await reply.header('cache-control', 'no-store').header('pragma', 'no-cache').code(200).send();
}
