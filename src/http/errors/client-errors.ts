import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Logger } from '../../observability/index.js';
import { Errors, type AgentmeshError } from '../../protocol/index.js';
import { renderHttpError } from './render-http-error.js';
import { SECURITY_HEADERS } from '../server/security-headers.js';
import type { UnroutedFallback } from '../server/http-server-options.js';

type FrameworkErrorsHandler = NonNullable<FastifyServerOptions['frameworkErrors']>;
type ClientErrorHandler = NonNullable<FastifyServerOptions['clientErrorHandler']>;

/** A Node HTTP parser error (`clientError` event). */
interface ParserError extends Error {
  code?: string;
  rawPacket?: Buffer;
  bytesParsed?: number;
}

/**
 * Fastify's `frameworkErrors`: errors its router raises before any route or
 * hook runs (a URL that is not valid percent-encoding, a path segment over
 * `maxParamLength`). They leave through `send` like every other error, as
 * google.rpc.Status JSON with the request id, after the headers the
 * `onRequest` hook would have set.
 */
export function frameworkErrorHandler(options: {
  securityHeaders: boolean;
  send: (request: FastifyRequest, reply: FastifyReply, err: unknown) => void;
  /** Called once the answer is sent: no onResponse hook runs for these requests (metrics, the span). */
  sent: (request: FastifyRequest, reply: FastifyReply) => void;
  /** Takes over refusals under its prefix once its handler is set (HttpServerOptions.unroutedFallback). */
  fallback?: UnroutedFallback | undefined;
}): FrameworkErrorsHandler {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (options.securityHeaders) reply.headers(SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    const fallback = options.fallback;
    if (fallback?.handle !== undefined && request.url.startsWith(fallback.prefix)) {
      void fallback
        .handle(request, reply)
        .catch((e: unknown) => {
          if (!reply.sent) options.send(request, reply, e);
        })
        .finally(() => options.sent(request, reply));
      return;
    }
    options.send(request, reply, err);
    options.sent(request, reply);
  };
}

/**
 * What a request Node refused while parsing it is answered with: a request
 * line over the header limit is a URI too long (414), the header block a 431,
 * a request not received in time a 408, anything else malformed a 400.
 * `rawPacket` is the chunk being parsed: when the limit is hit before its
 * first CRLF (or it has none), the request line was still being read.
 */
export function clientErrorOf(err: ParserError): AgentmeshError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return Errors.requestNotReceivedInTime({}, { cause: err });
    case 'HPE_HEADER_OVERFLOW': {
      const crlf = err.rawPacket?.indexOf('\r\n') ?? -1;
      const inRequestLine = crlf === -1 || (err.bytesParsed ?? 0) <= crlf;
      return inRequestLine
        ? Errors.urlTooLong({}, { cause: err })
        : Errors.headersTooLarge({}, { cause: err });
    }
    default:
      return Errors.notValidHttp({}, { cause: err });
  }
}

/**
 * Fastify's `clientErrorHandler`: Node refused a request before Fastify saw
 * it (URL or headers over `maxHeaderSize`, a malformed request, too slow),
 * so there is no request or reply, only the socket. The answer is written
 * raw, in the same google.rpc.Status shape, with a fresh request id (in the
 * `x-request-id` header and the body), and the connection closed.
 */
export function clientErrorHandler(options: { log: Logger; securityHeaders: boolean }): ClientErrorHandler {
  const { log, securityHeaders } = options;
  return (err: Error, socket: Socket) => {
    const parserError = err as ParserError;
    // A reset connection (https://nodejs.org/api/http.html#event-clienterror) cannot be answered.
    if (parserError.code === 'ECONNRESET' || socket.destroyed) return;
    // Bytes after a request that asked for `Connection: close` (RFC 9112 §9.6): the parser refuses them, so no
    // request among them runs, and they are not answered either: that request's answer, which closes the
    // connection, is still to be written, and a 400 here would take its place (its call run, its answer lost).
    if (parserError.code === 'HPE_CLOSED_CONNECTION') {
      log.debug({ parserCode: parserError.code }, 'bytes after Connection: close ignored');
      return;
    }
    const reqId = randomUUID();
    const { statusCode, body, error } = renderHttpError(clientErrorOf(parserError), reqId);
    log.info({ reqId, code: error.code, statusCode, parserCode: parserError.code }, 'request rejected');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const payload = JSON.stringify(body);
    const headers = [
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(payload)}`,
      'connection: close',
      `x-request-id: ${reqId}`,
      ...(securityHeaders ? Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`) : []),
    ];
    socket.end(`${headers.join('\r\n')}\r\n\r\n${payload}`);
  };
}
