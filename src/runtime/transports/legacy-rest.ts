import type { IncomingMessage } from 'node:http';
import { legacyAgentCardRouter, legacyRestRouter } from '@a2a-js/sdk/compat/v0_3/server/express';
import type { ServerCallContext, User } from '@a2a-js/sdk/server';
import express from 'express';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answeredErrorCode, logAnsweredError, checkLegacyFileBytes, toJsonRpcErrorObject, toRestError, Errors, WIRE } from '../../protocol/index.js';
import type { AgentRequestHandler } from '../agent-request-handler.js';
import { anonymous, buildCallContext, callerOf, isPendingCaller, requestVersion, type Authenticate } from './call-context.js';
import { parseRestBody } from './rest-body.js';
import { abortOnClientGone } from '../../http/index.js';

/** Where the v0.3 HTTP+JSON binding lives below the agent's interface URL (A2A v0.3 §3.2.3). */
const LEGACY_PREFIX = '/v1/';

/** Well-known card paths (A2A §8.2; `agent.json` is the v0.3-era name). */
const CARD_PATHS = ['/.well-known/agent-card.json', '/.well-known/agent.json'];

/** Options of {@link registerLegacyRestRoutes}. */
export interface LegacyRestRouteOptions {
  handler: AgentRequestHandler;
  authenticate: Authenticate;
  /** `Cache-Control: max-age` of the v0.3 card, in seconds. */
  cardMaxAgeSeconds: number;
}

/** What the v0.3 binding offers the rest of the agent scope. */
export interface LegacyRest {
  /**
   * Answers a card request from a v0.3 client (no `A2A-Version`, A2A §3.6.2)
   * with the v0.3 card shape (`url`, `preferredTransport`,
   * `additionalInterfaces`), translated by the SDK's `toCompatAgentCard`,
   * with its own ETag and `If-None-Match` handling. Hijacks the reply.
   */
  serveCard(request: FastifyRequest, reply: FastifyReply): void;
}

/**
 * The HTTP+JSON binding, v0.3 (`/v1/message:send`, `/v1/tasks/{id}`, …),
 * served by the SDK's own v0.3 REST router over our handler: the v0.3 ↔ v1
 * wire translation (`ToProto`/`FromProto`) is private to the SDK and only
 * reachable through that Express router, so we reuse it rather than rewrite it.
 *
 * Fastify keeps the edge: it matches `/v1/*`, checks the version, parses the
 * body, authenticates and builds our call context (caller, tenant, abort
 * signal), then hijacks the reply and hands the raw request to Express with
 * the mount prefix stripped. The router picks the prepared context up through
 * its `userBuilder`/`contextBuilder` hooks.
 *
 * The v0.3 card shape is private to the SDK too, so the returned
 * {@link LegacyRest.serveCard} goes through its `legacyAgentCardRouter`.
 */
export function registerLegacyRestRoutes(app: FastifyInstance, options: LegacyRestRouteOptions): LegacyRest {
  // Contexts prepared by Fastify, found by the SDK hooks: userBuilder gets the raw request, contextBuilder only the user.
  const byRequest = new WeakMap<IncomingMessage, { context: ServerCallContext; requestId: string }>();
  const byUser = new WeakMap<User, ServerCallContext>();

  const router = legacyRestRouter({
    requestHandler: options.handler,
    userBuilder: async (req) => {
      const context = byRequest.get(req)?.context;
      if (!context?.user) throw Errors.legacyRestWithoutContext({});
      return context.user;
    },
    contextBuilder: ({ user, extensions }) => {
      const context = user ? byUser.get(user) : undefined;
      if (!context) throw Errors.legacyRestWithoutContext({});
      context.setRequestedExtensions(extensions);
      return context;
    },
  });
  const legacy = express();
  legacy.disable('x-powered-by');
  legacy.disable('etag');
  legacy.use(CARD_PATHS, legacyAgentCardRouter({ agentCardProvider: options.handler, cache: { maxAge: options.cardMaxAgeSeconds } }));
  keepRetryStatus(legacy);
  // A path with a slash after it is none of the binding's (v0.3 §3.2.3): Express's router, not strict, would
  // read `/v1/tasks/abc/` as `/v1/tasks/abc`; refused here as the v1 routes and the gateway refuse theirs.
  legacy.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (req.path.charCodeAt(req.path.length - 1) !== 47) return next();
    sendLegacyError(res, Errors.legacyRestNoOperation({ method: req.method, path: req.path.slice(0, 128) }), byRequest.get(req)?.requestId ?? '');
  });
  legacy.use(router);
  // The router passes on paths it does not serve (and requests that are not v0.3, already refused below).
  legacy.use((req: express.Request, res: express.Response) => {
    sendLegacyError(res, Errors.legacyRestNoOperation({ method: req.method, path: req.path.slice(0, 128) }), byRequest.get(req)?.requestId ?? '');
  });
  legacy.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    sendLegacyError(res, err, byRequest.get(req)?.requestId ?? '');
  });

  const prefix = app.prefix;
  /** Hands a request to Express at its path below the mount point (the SDK routers know interface-relative paths only). */
  const forward = (request: FastifyRequest, reply: FastifyReply): void => {
    const raw = request.raw;
    const url = raw.url ?? '/';
    if (prefix && url.startsWith(`${prefix}/`)) raw.url = url.slice(prefix.length);
    reply.hijack();
    legacy(raw, reply.raw);
  };
  app.all(`${LEGACY_PREFIX}*`, async (request: FastifyRequest, reply: FastifyReply) => {
    let body: unknown;
    let context: ServerCallContext;
    try {
      if (requestVersion(request) !== '0.3') {
        // A 1.0 client never addresses /v1/…: answer in the v1 shape it understands.
        const { statusCode, body: error } = toRestError(
          Errors.legacyRestNeedsVersion03({ taskPath: '/tasks/{id}' }),
          String(request.id),
        );
        return reply.code(statusCode).header('content-type', 'application/json').send(JSON.stringify(error));
      }
      body = parseRestBody(request.body);
      checkLegacyFileBytes(body);
      const authenticating = options.authenticate !== anonymous;
      // A cached assertion's caller comes at once: no promise made or waited for per call.
      const found = callerOf(options.authenticate, request);
      const caller = isPendingCaller(found) ? await found : found;
      const signal = abortOnClientGone(request, reply);
      context = buildCallContext({ request, agent: options.handler.name, version: '0.3', caller, authenticating, tenant: undefined, signal });
    } catch (err) {
      logAnsweredError(request.log, err, 'v0.3 REST request failed');
      const { statusCode } = toRestError(err, String(request.id));
      return reply.code(statusCode).header('content-type', 'application/json').send(JSON.stringify(toJsonRpcErrorObject(err, String(request.id))));
    }

    // Fastify has consumed the stream, so the router's own body parser skips; it reads this instead.
    Object.assign(request.raw, { body });
    if (context.user) byUser.set(context.user, context);
    byRequest.set(request.raw, { context, requestId: String(request.id) });
    forward(request, reply);
  });

  return { serveCard: forward };
}

/**
 * An answer that says to retry (the role shutting down, a store unavailable, an agent at capacity) keeps
 * the status v1.0's HTTP+JSON answer has, 503: the SDK's router sets 500 from the -32603 v0.3 has for
 * it, and its body carries our code in `data` (agent-request-handler.ts, docs/errors.md "Over v0.3").
 * Set once on the app's response prototype, not per request: a successful answer pays one status
 * comparison, and only a 500 is read for its code.
 */
function keepRetryStatus(legacy: express.Express): void {
  const json = express.response.json;
  legacy.response.json = function (this: express.Response, body: unknown) {
    if (this.statusCode === 500 && !this.headersSent) {
      const code = answeredErrorCode(body);
      if (code !== undefined && WIRE[code].http === 503) this.status(503);
    }
    return json.call(this, body);
  };
}

/** A v0.3 REST error: the bare `{ code, message, data? }` object, with the status of its code. */
function sendLegacyError(res: express.Response, err: unknown, requestId: string): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const { statusCode } = toRestError(err, requestId);
  res.status(statusCode).type('application/json').send(JSON.stringify(toJsonRpcErrorObject(err, requestId)));
}
