import type { FastifyRequest } from 'fastify';
import type { ClientService } from '../credentials/client-service.js';
import type { LocalTokenVerifier, VerifiedOwnToken } from '../tokens/local-token-verifier.js';
import type { ClientAssertionVerifier } from './client-assertion.js';
import { authenticateClient, type AuthenticatedClient } from './client-authentication.js';
import { formOf } from './token-endpoint.js';
import { Errors } from '../../../protocol/index.js';

/**
 * What revocation (RFC 7009) and introspection (RFC 7662) both start with:
 * the calling client, authenticated, and the token it presents, verified
 * as one of ours (any audience) — or undefined when it is not a valid token
 * now (both answer that case without an error).
 */
export async function presentedToken(
  request: FastifyRequest,
  deps: { clients: ClientService; assertions: ClientAssertionVerifier; verifier: LocalTokenVerifier },
): Promise<{ client: AuthenticatedClient['client']; verified: VerifiedOwnToken | undefined; token: string }> {
  const form = formOf(request);
  const { client } = await authenticateClient(request, form, deps);
  if (form.token === undefined || form.token === '') throw Errors.oauthTokenMissing({});
  try {
    return { client, verified: await deps.verifier.verify(form.token, { anyAudience: true }), token: form.token };
  } catch {
    return { client, verified: undefined, token: form.token };
  }
}
