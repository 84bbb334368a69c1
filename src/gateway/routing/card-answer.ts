import { isNotModified, type ExchangeReply, type ExchangeRequest } from '../../http/index.js';
import { negotiateCardVersion, requestedVersion, type ProtocolVersion } from '../../protocol/index.js';
import type { CardSigner } from './card-cache.js';
import type { GatewayExtension } from './gateway-card.js';
import type { UpstreamRouter } from './upstream-router.js';

/** How long clients may cache a card served through the gateway, in seconds. */
const CARD_MAX_AGE_SECONDS = 60;

/** What {@link answerCardRequest} needs. */
export interface CardAnswerOptions {
  request: ExchangeRequest;
  reply: ExchangeReply;
  /** The agent, as named in the path (`/agents/{name}/.well-known/agent-card.json`). */
  agent: string;
  router: UpstreamRouter;
  /** The gateway's public URL: interface URLs, the token URL. */
  gatewayBaseUrl: string;
  sign: CardSigner;
  /** Extensions the gateway declares on this agent's card (the approvals extension where a rule may gate it). */
  extensions?: readonly GatewayExtension[];
  /** The call's audit entry: marked `a2a.card` once the card is found (public card reads are counted, not audited; a failure is audited as the call's error). */
  audit: { eventType: string };
}

/**
 * Answers `GET /agents/{name}/.well-known/agent-card.json` (and `agent.json`)
 * as the runtime answers its own card (runtime/agent-routes.ts):
 *
 * - the version ({@link negotiateCardVersion}, ADR 0033): the v1.0 card
 *   unless the request names `A2A-Version: 0.3` (header or query parameter)
 *   or reads the v0.2-era `agent.json`; a version named is negotiated (1.0 or
 *   0.3, anything else AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED, 400);
 * - `ETag` and `Last-Modified` per version, `304` without a body on a
 *   matching `If-None-Match` (else a later `If-Modified-Since`),
 *   `Vary: A2A-Version` (the body depends on it), `Cache-Control`.
 *
 * The card declares the gateway's security schemes (card-security.ts) and
 * is signed by the gateway as served in that version. Errors are thrown for
 * the proxy to render.
 *
 * @example
 * if (call?.operation === 'GetAgentCard') {
 *   return answerCardRequest({ request, reply, agent: name, router, gatewayBaseUrl: publicUrl(), sign: cardSigner, audit });
 * }
 */
export async function answerCardRequest(o: CardAnswerOptions): Promise<ExchangeReply> {
  const { request, reply } = o;
  // Before anything can fail: an error answer depends on the header too.
  varyOnVersion(reply);
  const version = cardVersion(request);
  const { json, etag, lastModified } = await o.router.card(o.agent, { gatewayBaseUrl: o.gatewayBaseUrl, sign: o.sign, version, ...(o.extensions !== undefined && { extensions: o.extensions }) });
  o.audit.eventType = 'a2a.card';
  reply.header('etag', etag).header('last-modified', lastModified).header('cache-control', `public, max-age=${CARD_MAX_AGE_SECONDS}`);
  if (isNotModified(request.headers, etag, lastModified)) return reply.code(304).send();
  return reply.header('content-type', 'application/json').send(json);
}

/**
 * The card version a request asks for, as the runtime decides it
 * ({@link requestedVersion}, {@link negotiateCardVersion}): the `A2A-Version`
 * header, else its query parameter; neither means 1.0 at `agent-card.json`
 * and 0.3 at `agent.json`.
 */
function cardVersion(request: ExchangeRequest): ProtocolVersion {
  const q = request.url.indexOf('?');
  const path = q < 0 ? request.url : request.url.slice(0, q);
  return negotiateCardVersion(requestedVersion(request.headers['a2a-version'], q < 0 ? undefined : request.url.slice(q)), path.endsWith('/agent.json') ? 'agent.json' : 'agent-card.json');
}

/** Adds `A2A-Version` to `Vary`, keeping what another hook put there. */
function varyOnVersion(reply: ExchangeReply): void {
  const held = reply.getHeader('vary');
  const list = typeof held === 'string' ? held : Array.isArray(held) ? held.join(', ') : '';
  if (!/(^|,)\s*a2a-version\s*(,|$)/i.test(list)) reply.header('vary', list === '' ? 'A2A-Version' : `${list}, A2A-Version`);
}

