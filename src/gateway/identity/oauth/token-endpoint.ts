import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenResponse } from '../../../contracts/management/index.js';
import type { Counter } from 'prom-client';
import { peerCertificateThumbprint } from '../../../http/index.js';
import type { Logger } from '../../../observability/index.js';
import type { TokenSigner } from '../tokens/token-signer.js';
import { authenticateClient, type AuthenticatedClient } from './client-authentication.js';
import type { ClientAssertionVerifier } from './client-assertion.js';
import type { ClientService } from '../credentials/client-service.js';
import type { FormParams } from './form-body.js';
import { grantedAudience, grantedScopes } from './granted-target.js';
import { TOKEN_TYPE } from './subject-token.js';
import { exchangeToken, readExchange, TOKEN_EXCHANGE_GRANT, type TokenExchangeDeps } from './token-exchange.js';
import { REFRESH_TOKEN_GRANT, type DelegationGrants } from './delegation-grants.js';
import { Errors } from '../../../protocol/index.js';

/** What the token endpoint needs. */
export interface TokenEndpointDeps {
  clients: ClientService;
  assertions: ClientAssertionVerifier;
  signer: TokenSigner;
  defaultAudience: string;
  issued: Counter<string>;
  /** Token exchanges (RFC 8693), by the kind of subject token. */
  exchanged: Counter<string>;
  /** What the token exchange grant reads subject tokens with. */
  exchange: Omit<TokenExchangeDeps, 'signer' | 'defaultAudience'>;
  /** Refresh tokens of delegation grants (ADR 0042). */
  grants: DelegationGrants;
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

/**
 * `POST /oauth/token`: authenticate the client, then one of three grants —
 * client credentials (RFC 6749 §4.4: a token for the client itself), token
 * exchange (RFC 8693: a token acting for the caller whose token the client
 * presents, or a delegation grant: a refresh token for it) or refresh token
 * (RFC 6749 §6: a delegation grant redeemed, docs/adr/0042-durable-delegation-grants.md). A client that presented a certificate on this TLS connection
 * gets a token bound to it (RFC 8705 §3): usable only over a connection that
 * presents the same certificate, so a leaked token is worthless without its
 * private key.
 */
export async function tokenEndpoint(request: FastifyRequest, reply: FastifyReply, deps: TokenEndpointDeps): Promise<void> {
  const form = formOf(request);
  if (form.grant_type === undefined) throw Errors.oauthGrantTypeMissing({});
  const { client, method }: AuthenticatedClient = await authenticateClient(request, form, deps);
  const certificateThumbprint = peerCertificateThumbprint(request.raw.socket);
  if (form.grant_type === TOKEN_EXCHANGE_GRANT) {
    const exchangeDeps = { ...deps.exchange, signer: deps.signer, defaultAudience: deps.defaultAudience };
    const grant = await readExchange(form, client, exchangeDeps);
    if (grant.requested === 'refresh_token') {
      // RFC 8693 §2.2.1: the issued token travels in access_token, whatever its type; token_type N_A, as it is no access token.
      const issued = await deps.grants.issue(grant, client);
      deps.exchanged.labels({ subject: 'grant' }).inc();
      await send(reply, { access_token: issued.refreshToken, issued_token_type: TOKEN_TYPE.refreshToken, token_type: 'N_A', expires_in: issued.expiresIn, scope: issued.scope });
      return;
    }
    const { issued, subject, act } = await exchangeToken(grant, client, certificateThumbprint, exchangeDeps);
    deps.exchanged.labels({ subject: subject.agent !== undefined ? 'assertion' : subject.origin.kind === 'external' && subject.act === undefined ? 'external' : 'access_token' }).inc();
    deps.log.debug({ clientId: client.id, sub: subject.subject, tenant: subject.tenant, act, jti: issued.jti, scope: issued.scope, expiresIn: issued.expiresIn, method }, 'token exchanged');
    await send(reply, { access_token: issued.token, issued_token_type: TOKEN_TYPE.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope });
    return;
  }
  if (form.grant_type === REFRESH_TOKEN_GRANT) {
    const { issued, refreshToken } = await deps.grants.refresh(form, client, certificateThumbprint);
    await send(reply, { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope, refresh_token: refreshToken });
    return;
  }
  if (form.grant_type !== 'client_credentials') throw Errors.oauthGrantTypeUnsupported({ grantType: form.grant_type });
  const scopes = grantedScopes(form, client);
  const audience = grantedAudience(form, client, deps.defaultAudience);
  const issued = await deps.signer.accessToken({ clientId: client.id, tenant: client.tenant, scopes, audience, certificateThumbprint });
  deps.issued.labels({ method }).inc();
  deps.log.debug({ clientId: client.id, tenant: client.tenant, jti: issued.jti, scope: issued.scope, aud: audience, method, ...(certificateThumbprint !== undefined && { x5tS256: certificateThumbprint }) }, 'access token issued');
  await send(reply, { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope });
}

/** A token response (RFC 6749 §5.1): never cached. */
async function send(reply: FastifyReply, body: TokenResponse): Promise<void> {
  await reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
}
