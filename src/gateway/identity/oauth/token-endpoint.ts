import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenResponse } from '../../../contracts/management/index.js';
import type { Counter } from 'prom-client';
import { peerCertificateThumbprint } from '../../../http/index.js';
import type { Logger } from '../../../observability/index.js';
import type { ClientRecord } from '../store/records.js';
import type { TokenSigner } from '../tokens/token-signer.js';
import { authenticateClient, type AuthenticatedClient } from './client-authentication.js';
import type { ClientAssertionVerifier } from './client-assertion.js';
import type { ClientService } from '../credentials/client-service.js';
import type { FormParams } from './form-body.js';
import { Errors } from '../../../protocol/index.js';

/** What the token endpoint needs. */
export interface TokenEndpointDeps {
  clients: ClientService;
  assertions: ClientAssertionVerifier;
  signer: TokenSigner;
  defaultAudience: string;
  issued: Counter<string>;
  log: Logger;
}

/** The form of an OAuth request, or invalid_request when it was not form-encoded. */
export function formOf(request: FastifyRequest): FormParams {
  const type = request.headers['content-type'] ?? '';
  const body = request.body;
  if (!/^application\/x-www-form-urlencoded\b/i.test(type) || !isFormParams(body)) {
    throw Errors.oauthNotForm({});
  }
  return body;
}

/** What the form parser produced: names to string values. */
function isFormParams(body: unknown): body is FormParams {
  if (typeof body !== 'object' || body === null) return false;
  for (const value of Object.values(body)) if (typeof value !== 'string') return false;
  return true;
}

/** The scopes granted: the asked ones, each allowed to the client; none asked means all it may have. */
function grantedScopes(form: FormParams, client: ClientRecord): string[] {
  if (form.scope === undefined) return client.scopes;
  const asked = form.scope.split(' ').filter((s) => s !== '');
  if (asked.length === 0) throw Errors.oauthScopeEmpty({});
  const refused = asked.filter((s) => !client.scopes.includes(s));
  if (refused.length > 0) throw Errors.oauthScopeRefused({ scope: refused.join(' ') });
  return [...new Set(asked)];
}

/** The audience: `audience` or `resource` (RFC 8707), one value, allowed to the client. */
function grantedAudience(form: FormParams, client: ClientRecord, defaultAudience: string): string {
  if (form.audience !== undefined && form.resource !== undefined && form.audience !== form.resource) throw Errors.oauthTargetsDiffer({});
  const asked = form.audience ?? form.resource;
  if (asked === undefined) return client.audiences.includes(defaultAudience) ? defaultAudience : client.audiences[0]!;
  if (!client.audiences.includes(asked)) throw Errors.oauthAudienceRefused({ audience: asked });
  return asked;
}

/**
 * `POST /oauth/token` (RFC 6749 §4.4, client credentials): authenticate the
 * client, check grant type, scope and audience, sign an RFC 9068 token. A
 * client that presented a certificate on this TLS connection gets a token
 * bound to it (RFC 8705 §3): usable only over a connection that presents the
 * same certificate, so a leaked token is worthless without its private key.
 */
export async function tokenEndpoint(request: FastifyRequest, reply: FastifyReply, deps: TokenEndpointDeps): Promise<void> {
  const form = formOf(request);
  if (form.grant_type === undefined) throw Errors.oauthGrantTypeMissing({});
  const { client, method }: AuthenticatedClient = await authenticateClient(request, form, deps);
  if (form.grant_type !== 'client_credentials') throw Errors.oauthGrantTypeUnsupported({ grantType: form.grant_type });
  const scopes = grantedScopes(form, client);
  const audience = grantedAudience(form, client, deps.defaultAudience);
  const certificateThumbprint = peerCertificateThumbprint(request.raw.socket);
  const issued = await deps.signer.accessToken({ clientId: client.id, tenant: client.tenant, scopes, audience, certificateThumbprint });
  deps.issued.labels({ method }).inc();
  deps.log.debug({ clientId: client.id, tenant: client.tenant, jti: issued.jti, scope: issued.scope, aud: audience, method, ...(certificateThumbprint !== undefined && { x5tS256: certificateThumbprint }) }, 'access token issued');
  await reply
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({ access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope } satisfies TokenResponse);
}
