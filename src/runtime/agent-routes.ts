import type { AgentCard } from '@a2a-js/sdk';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LastModifiedClock, isNotModified, renderHttpError } from '../http/index.js';
import { negotiateCardVersion, requestedVersion, toJsonRpcErrorObject, toRestError, type CardFile } from '../protocol/index.js';
import type { AgentRequestHandler } from './agent-request-handler.js';
import type { ServedCard } from './agent-card.js';
import type { Authenticate } from './transports/call-context.js';
import { createJsonRpcHandler } from './transports/jsonrpc-route.js';
import { registerLegacyRestRoutes } from './transports/legacy-rest.js';
import { registerRestRoutes } from './transports/rest-routes.js';
import { takeBodiesAsText } from './transports/text-bodies.js';
import type { SseOptions } from '../http/index.js';

/** How long clients may cache the card, in seconds. */
const CARD_MAX_AGE_SECONDS = 300;

/** Options of {@link registerAgentRoutes}. */
export interface AgentRoutesOptions {
  handler: AgentRequestHandler;
  card: () => Promise<ServedCard>;
  authenticate: Authenticate;
  sse: SseOptions;
  bodyLimitBytes: number;
}

/**
 * Everything one agent serves under its mount point: JSON-RPC at `POST /`,
 * the REST binding (v1 at the root, v0.3 under `/v1/`), and its card at the
 * well-known paths.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers errors in a JSON-RPC envelope. */
    jsonRpc?: boolean;
  }
}

export async function registerAgentRoutes(app: FastifyInstance, options: AgentRoutesOptions): Promise<void> {
  takeBodiesAsText(app, options.bodyLimitBytes);
  // Errors raised before a handler runs (body too large, unreadable body) in the
  // binding's own shape: a JSON-RPC envelope on `POST /`, google.rpc.Status elsewhere.
  app.setErrorHandler((err, request, reply) => {
    const rendered = renderHttpError(err, String(request.id));
    if (rendered.internal) request.log.error({ err }, 'request failed');
    if (request.routeOptions.config?.jsonRpc) {
      return reply.code(rendered.statusCode).header('content-type', 'application/json').send(JSON.stringify({ jsonrpc: '2.0', id: null, error: toJsonRpcErrorObject(rendered.error, String(request.id)) }));
    }
    return reply.code(rendered.statusCode).send(rendered.body);
  });
  const legacyRest = registerLegacyRestRoutes(app, { handler: options.handler, authenticate: options.authenticate, cardMaxAgeSeconds: CARD_MAX_AGE_SECONDS });

  // Last-Modified beside the ETag, so a client may revalidate with either (A2A §8.6, RFC 9110 §13.1.3).
  const lastModified = new LastModifiedClock();
  const serveCard = (file: CardFile) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      // The v1.0 card unless the request asks for v0.3 (or reads the v0.2-era agent.json): ADR 0033. The v0.3 shape is the SDK's translation.
      const version = negotiateCardVersion(requestedVersion(request.headers['a2a-version'], request.query), file);
      const { json, etag } = await options.card();
      // One date for both shapes: the v0.3 card is a translation of this one.
      const modified = lastModified.of('card', etag);
      if (version === '0.3') {
        // The SDK's router writes the reply (its own ETag and If-None-Match); a bare If-Modified-Since is answered here.
        reply.raw.setHeader('last-modified', modified);
        if (request.headers['if-none-match'] === undefined && isNotModified(request.headers, etag, modified)) return reply.code(304).header('vary', 'A2A-Version').send();
        return legacyRest.serveCard(request, reply);
      }
      reply.header('etag', etag).header('last-modified', modified).header('cache-control', `public, max-age=${CARD_MAX_AGE_SECONDS}`).header('vary', 'A2A-Version');
      if (isNotModified(request.headers, etag, modified)) return reply.code(304).send();
      return reply.header('content-type', 'application/json').send(json);
    } catch (err) {
      const { statusCode, body } = toRestError(err, String(request.id));
      return reply.code(statusCode).send(body);
    }
  };
  app.get('/.well-known/agent-card.json', serveCard('agent-card.json'));
  app.get('/.well-known/agent.json', serveCard('agent.json'));
  app.post('/', { config: { jsonRpc: true } }, createJsonRpcHandler({ handler: options.handler, authenticate: options.authenticate, sse: options.sse }));
  registerRestRoutes(app, { handler: options.handler, authenticate: options.authenticate, sse: options.sse });
}

export type { AgentCard };
