import { BASIC_TRIED } from './oauth-error.js';
import type { FastifyRequest } from 'fastify';
import type { ClientService } from '../credentials/client-service.js';
import type { ClientAuthMethod, ClientRecord } from '../store/records.js';
import type { ClientAssertionVerifier } from './client-assertion.js';
import { JWT_BEARER_ASSERTION_TYPE } from './client-assertion.js';
import type { FormParams } from './form-body.js';
import { Errors } from '../../../protocol/index.js';

/** Who authenticated at an OAuth endpoint, and how. */
export interface AuthenticatedClient {
  client: ClientRecord;
  method: ClientAuthMethod;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined by ":" and base64-encoded. */
function decodeBasic(header: string): { id: string; secret: string } {
  const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw Errors.oauthBasicNotPair({}, BASIC_TRIED);
  try {
    const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    throw Errors.oauthBasicNotEncoded({}, BASIC_TRIED);
  }
}

/**
 * Client authentication at the token, revocation and introspection
 * endpoints. Rules:
 *
 * - exactly one method per request (RFC 6749 §2.3): Basic header, client_secret in the body, or a client assertion;
 * - the method must be the one the client registered (its token_endpoint_auth_method);
 * - a client_id parameter, when sent, must name the authenticated client;
 * - unknown client and wrong secret get the same answer;
 * - a revoked client is refused after its credentials were checked (before its method is).
 */
export async function authenticateClient(request: FastifyRequest, form: FormParams, deps: { clients: ClientService; assertions: ClientAssertionVerifier }): Promise<AuthenticatedClient> {
  const header = request.headers.authorization;
  const basic = header !== undefined && /^Basic\s/i.test(header);
  if (header !== undefined && !basic) throw Errors.oauthNotBasicScheme({}, BASIC_TRIED);
  const posted = form.client_secret !== undefined;
  const asserted = form.client_assertion !== undefined || form.client_assertion_type !== undefined;
  const used = Number(basic) + Number(posted) + Number(asserted);
  if (used > 1) throw Errors.oauthAuthMethodsMixed({});
  // RFC 6749 §5.2 asks for the Basic challenge only when the client tried the Authorization header: a browser
  // answered with one opens its own login dialog over the page that made the call (the console's sign-in).
  if (used === 0) throw Errors.oauthClientAuthRequired({});

  let client: ClientRecord | undefined;
  let method: ClientAuthMethod;
  if (basic) {
    method = 'client_secret_basic';
    const { id, secret } = decodeBasic(header);
    if (form.client_id !== undefined && form.client_id !== id) throw Errors.oauthClientIdNotBasic({});
    client = await deps.clients.verifySecret(id, secret);
    if (client === undefined) throw Errors.oauthClientAuthFailed({}, BASIC_TRIED);
  } else if (posted) {
    method = 'client_secret_post';
    if (form.client_id === undefined) throw Errors.oauthSecretWithoutId({});
    client = await deps.clients.verifySecret(form.client_id, form.client_secret!);
    if (client === undefined) throw Errors.oauthClientAuthFailed({});
  } else {
    method = 'private_key_jwt';
    if (form.client_assertion_type !== JWT_BEARER_ASSERTION_TYPE) throw Errors.oauthAssertionTypeWrong({ expected: JWT_BEARER_ASSERTION_TYPE });
    if (form.client_assertion === undefined) throw Errors.oauthAssertionMissing({});
    client = await deps.assertions.verify(form.client_assertion, form.client_id);
  }
  // Revoked first: a client that tries another method than its own learns it is revoked without a Basic retry
  // (whose 401 would carry the challenge that opens a browser's login dialog).
  if (client.status === 'revoked') throw Errors.oauthClientRevoked({}, basic ? BASIC_TRIED : undefined);
  if (client.authMethod !== method) throw Errors.oauthClientOtherMethod({ registered: client.authMethod, method }, basic ? BASIC_TRIED : undefined);
  return { client, method };
}
