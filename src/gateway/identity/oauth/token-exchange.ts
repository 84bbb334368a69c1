import type { Actor } from '../principal.js';
import { GATEWAY_DELEGATE_SCOPE, MAX_DELEGATION_DEPTH } from '../principal.js';
import type { ClientRecord } from '../store/records.js';
import { actorCount } from '../tokens/delegation-claims.js';
import type { IssuedToken, TokenSigner } from '../tokens/token-signer.js';
import type { FormParams } from './form-body.js';
import { askedScopes, grantedAudience } from './granted-target.js';
import { readSubjectToken, TOKEN_TYPE, type ExchangeSubject, type SubjectTokenDeps } from './subject-token.js';
import { Errors, isAgentmeshError, isRecord } from '../../../protocol/index.js';

/** RFC 8693 §2.1 `grant_type`. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** What a token exchange needs. */
export interface TokenExchangeDeps extends SubjectTokenDeps {
  signer: TokenSigner;
  defaultAudience: string;
  tokenTtlSeconds: number;
  clock: () => number;
}

/** An exchange's result: the token, and what the trail records of it. */
export interface TokenExchange {
  issued: IssuedToken;
  subject: ExchangeSubject;
  act: Actor;
}

/** What an exchange grants, before any token is made of it. */
export interface ExchangeGrant {
  subject: ExchangeSubject;
  act: Actor;
  scopes: string[];
  audience: string;
  /** The token type asked (`requested_token_type`): an access token unless a refresh token was asked. */
  requested: 'access_token' | 'refresh_token';
}

/**
 * The token exchange grant (RFC 8693 §2) for a client registered with
 * `gateway:delegate`: a token that keeps the subject token's subject and
 * tenant, holds at most its scopes (and the client's), names the client in
 * `act` with the subject token's actors nested below it, and lives no longer
 * than the credential the chain started from. See
 * docs/adr/0036-token-exchange-and-delegation-chains.md for why each rule.
 */
export async function exchangeToken(grant: ExchangeGrant, client: ClientRecord, certificateThumbprint: string | undefined, deps: TokenExchangeDeps): Promise<TokenExchange> {
  const { subject, act, scopes, audience } = grant;
  const issued = await deps.signer.accessToken({
    clientId: client.id,
    tenant: subject.tenant,
    scopes,
    audience,
    certificateThumbprint,
    delegation: { subject: subject.subject, act, origin: subject.origin, notAfter: notAfter(subject, deps) },
  });
  return { issued, subject, act };
}

/**
 * Checks a token exchange request and reads what it grants: the subject
 * token's caller, the actors, the scopes and the audience. The token endpoint
 * makes an access token of it ({@link exchangeToken}) or, when a refresh
 * token was asked, a delegation grant (docs/adr/0042-durable-delegation-grants.md).
 */
export async function readExchange(form: FormParams, client: ClientRecord, deps: Omit<TokenExchangeDeps, 'signer'>): Promise<ExchangeGrant> {
  // RFC 6749 §5.2 unauthorized_client: "not authorized to use this authorization grant type".
  if (!client.scopes.includes(GATEWAY_DELEGATE_SCOPE)) throw Errors.oauthExchangeNotAllowed({ scope: GATEWAY_DELEGATE_SCOPE });
  const { subject_token: token, subject_token_type: type } = form;
  if (token === undefined || token === '') throw Errors.oauthParameterMissing({ parameter: 'subject_token' });
  if (type === undefined || type === '') throw Errors.oauthParameterMissing({ parameter: 'subject_token_type' });
  if (type !== TOKEN_TYPE.accessToken && type !== TOKEN_TYPE.jwt) {
    throw Errors.oauthTokenTypeUnsupported({ parameter: 'subject_token_type', tokenType: type, supported: `${TOKEN_TYPE.accessToken} or ${TOKEN_TYPE.jwt}` });
  }
  // §2.1: the type wanted: an access token (a JWT, RFC 9068), or a refresh token (a delegation grant, ADR 0042).
  const requested = form.requested_token_type === undefined || form.requested_token_type === TOKEN_TYPE.accessToken ? 'access_token' : form.requested_token_type === TOKEN_TYPE.refreshToken ? 'refresh_token' : undefined;
  if (requested === undefined) {
    throw Errors.oauthTokenTypeUnsupported({ parameter: 'requested_token_type', tokenType: String(form.requested_token_type), supported: `${TOKEN_TYPE.accessToken} or ${TOKEN_TYPE.refreshToken}` });
  }
  if ((form.actor_token === undefined) !== (form.actor_token_type === undefined)) throw Errors.oauthActorTokenUnpaired({});
  if (form.actor_token !== undefined) await checkActorToken(form.actor_token, form.actor_token_type!, client, deps);

  const subject = await readSubjectToken(token, type, deps);
  refuseUnlessMayAct(subject, client);
  const depth = actorCount(subject.act);
  if (depth >= MAX_DELEGATION_DEPTH) throw Errors.oauthDelegationTooDeep({ depth, max: MAX_DELEGATION_DEPTH });
  const scopes = exchangedScopes(form, subject, client);
  const audience = grantedAudience(form, client, deps.defaultAudience);
  const act: Actor = { sub: client.id, ...(subject.agent !== undefined && { agent: subject.agent }), ...(subject.act !== undefined && { act: subject.act }) };
  return { subject, act, scopes, audience, requested };
}

/**
 * The latest the exchanged token may live until, epoch seconds: the subject
 * token's expiry and its origin's. An assertion of the gateway is the one
 * exception: it is a two-minute presentation of the caller's credential to
 * one agent (so that a leaked one is short-lived), not a credential of its
 * own; what it was made from, its origin, bounds the exchange instead.
 */
function notAfter(subject: ExchangeSubject, deps: Pick<TokenExchangeDeps, 'tokenTtlSeconds' | 'clock'>): number {
  const originExp = subject.origin.exp ?? Math.floor(deps.clock() / 1000) + deps.tokenTtlSeconds;
  return subject.agent !== undefined ? originExp : Math.min(subject.expiresAt, originExp);
}

/** The scopes asked (each held by the subject token and allowed to the client), or, none asked, all they share. */
function exchangedScopes(form: FormParams, subject: ExchangeSubject, client: ClientRecord): string[] {
  const asked = askedScopes(form);
  if (asked === undefined) return subject.scopes.filter((s) => client.scopes.includes(s));
  const notHeld = asked.filter((s) => !subject.scopes.includes(s));
  if (notHeld.length > 0) throw Errors.oauthScopeNotHeld({ scope: notHeld.join(' ') });
  const refused = asked.filter((s) => !client.scopes.includes(s));
  if (refused.length > 0) throw Errors.oauthScopeRefused({ scope: refused.join(' ') });
  return asked;
}

/** RFC 8693 §4.4: a subject token that names who may act for it admits that actor only. */
function refuseUnlessMayAct(subject: ExchangeSubject, client: ClientRecord): void {
  const mayAct = Object.hasOwn(subject.claims, 'may_act') ? subject.claims['may_act'] : undefined;
  if (mayAct === undefined) return;
  const sub = isRecord(mayAct) && Object.hasOwn(mayAct, 'sub') ? mayAct['sub'] : undefined;
  if (sub !== client.id) throw Errors.oauthSubjectMayNotAct({});
}

/**
 * RFC 8693 §2.1 actor_token (optional): the actor is the authenticated client,
 * so an actor token may only confirm it — an access token this gateway issued
 * to that client, valid now. Naming any other actor is refused.
 */
async function checkActorToken(token: string, type: string, client: ClientRecord, deps: Omit<TokenExchangeDeps, 'signer'>): Promise<void> {
  if (type !== TOKEN_TYPE.accessToken && type !== TOKEN_TYPE.jwt) {
    throw Errors.oauthTokenTypeUnsupported({ parameter: 'actor_token_type', tokenType: type, supported: `${TOKEN_TYPE.accessToken} or ${TOKEN_TYPE.jwt}` });
  }
  let reason: string | undefined;
  try {
    const { principal } = await deps.verifier.verify(token);
    if (principal.clientId !== client.id || principal.act !== undefined) reason = 'it was issued to another client, or for another subject';
    else if (deps.revocations.isTokenRevoked(principal.tokenId!)) reason = 'it has been revoked';
  } catch (err) {
    if (isAgentmeshError(err) && err.retryable) throw err;
    reason = isAgentmeshError(err) && err.expose ? err.message : 'it could not be verified';
  }
  if (reason !== undefined) throw Errors.oauthActorTokenRefused({ reason });
}
