import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, Errors } from '../../protocol/index.js';
import { renderHttpError } from './render-http-error.js';
import type { ServerState } from '../lifecycle/server-state.js';

const JSON_TYPE = 'application/json; charset=utf-8';
/** A 404 echoes the path; bound what a client can make us write back. */
const MAX_ECHOED_PATH = 200;

/** Renders `err` as the reply (google.rpc.Status JSON) and logs it by its kind; every error of the root scope leaves here. */
export function sendHttpError(request: FastifyRequest, reply: FastifyReply, err: unknown, state: ServerState): void {
  const { statusCode, body, error, internal } = renderHttpError(err, request.id);
  // Turning requests away is what an orderly stop does (the client retries elsewhere): worth a line, not a stack.
  if (state.draining && error.code === ErrorCodes.HTTP_UNAVAILABLE) request.log.info({ code: error.code, statusCode }, 'request refused: shutting down');
  else if (internal) request.log.error({ err: error.cause ?? error, code: error.code }, 'request failed');
  else if (statusCode >= 500) request.log.warn({ err: error, code: error.code }, 'request failed');
  else request.log.info({ code: error.code, statusCode }, 'request rejected');
  if (state.draining) reply.header('connection', 'close');
  reply.code(statusCode).type(JSON_TYPE).send(body);
}

/**
 * The root scope's error and 404 handlers: every error leaves as the JSON of
 * `renderHttpError`, never as Fastify's default shape. Plugins registered
 * later (the A2A runtime's JSON-RPC routes) install their own handler inside
 * their encapsulated scope; this one stays the default everywhere else.
 */
export function installErrorHandling(app: FastifyInstance, deps: { state: ServerState }): void {
  const { state } = deps;
  app.setErrorHandler((err: FastifyError, request, reply) => {
    sendHttpError(request, reply, err, state);
  });
  app.setNotFoundHandler((request, reply) => {
    // The path only: a query string may carry tokens, and it is echoed back.
    const q = request.url.indexOf('?');
    const path = q === -1 ? request.url : request.url.slice(0, q);
    const shown = path.length > MAX_ECHOED_PATH ? `${path.slice(0, MAX_ECHOED_PATH)}…` : path;
    sendHttpError(request, reply, Errors.routeNotFound({ method: request.method, path: shown }), state);
  });
}
