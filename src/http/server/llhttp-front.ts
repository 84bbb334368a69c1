import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { FrontConnection } from './front-connection.js';
import type { FrontOptions } from './front-plane.js';

/**
 * The data plane's front on Node's own llhttp binding (ADR 0065, 0069), an opt-in (`dataPlaneServer:
 * llhttp`): the plain-http server's connections are parsed here, with node:http's parser in REQUEST
 * mode and node:http's settings (strict, its header size limit), and a request that is the plane's —
 * HTTP/1.1, a plane method and path that `accepts`, no `Expect`, no upgrade, a `Host`, no body on a
 * GET, HEAD or TRACE — is served by the plane's handling without node:http's `IncomingMessage` stream
 * and its server's per-request bookkeeping. An answer given whole (status, headers, a body with its
 * length) is written to the socket here, head and body in one write, with the bytes and checks
 * node:http's `writeHead` and `end` give it (ADR 0067); any other (a stream, a header node:http treats
 * specially) goes through a node:http `ServerResponse` made for it on demand.
 *
 * Anything else is node:http's, for the rest of the connection: the first request that is not the
 * plane's — a control-plane route, a CORS request, HTTP/1.0, `Expect`, an upgrade, an absolute-form
 * target — hands the connection over once the answers before it are written: reading stops at that
 * request's head, the parser is dropped, the request's bytes from its first one go back to the socket
 * (`unshift`, one buffer) and node:http's own connection listener takes it, answering that request and
 * every later one as node:http's server alone would (keep-alive included). A request the parser
 * refuses (a smuggling attempt, a bad chunk size, data after `Connection: close`, a head over the
 * limit) is node:http's verdict, given to `clientError` at once as node:http's server gives it.
 *
 * Bytes kept per connection: a request's head while it comes in several reads (node:http's header
 * limit), and at a hand-over the read that carried the head; a body as node:http's plane keeps it (up
 * to the body limit). Chunk sizes, extensions and trailers are the parser's alone, as in node:http.
 *
 * Kept from node:http's server: `headersTimeout` and `requestTimeout` (checked on its interval,
 * 408 through `clientError`), `keepAliveTimeout` (and its `keepAliveTimeoutBuffer`), `server.timeout`,
 * answers in request order with reading paused while too many wait, `closeIdleConnections`/
 * `closeAllConnections` (wrapped to include these connections), the end of a connection when the
 * client half-closes, and a closing connection after each answer once the server stops listening.
 */

/**
 * Puts the front on a plain-http `server` whose request listener is the plane's: its own
 * connection listener is taken off and called for every connection handed over.
 */
export function installLlhttpFront(server: Server, options: Omit<FrontOptions, 'nodeListener'> & { checkingIntervalMs: number }): void {
  const listeners = server.listeners('connection') as Array<(this: Server, socket: Socket) => void>;
  const nodeListener = listeners[0];
  if (listeners.length !== 1 || nodeListener === undefined) throw new Error('the server has other connection listeners than node:http’s own');
  server.removeListener('connection', nodeListener);
  const front: FrontOptions = { ...options, nodeListener };
  const open = new Set<FrontConnection>();
  server.on('connection', (socket: Socket) => {
    if (nodeOnly(server)) {
      front.nodeListener.call(server, socket);
      return;
    }
    open.add(new FrontConnection(server, socket, front, open));
  });
  let sweep: NodeJS.Timeout | undefined;
  server.on('listening', () => {
    clearInterval(sweep);
    sweep = setInterval(() => {
      const now = performance.now();
      for (const connection of open) connection.checkDeadlines(now);
    }, options.checkingIntervalMs);
    sweep.unref();
  });
  server.on('close', () => clearInterval(sweep));
  const closeIdle = server.closeIdleConnections.bind(server);
  const closeAll = server.closeAllConnections.bind(server);
  server.closeIdleConnections = () => {
    for (const connection of open) if (connection.idle()) connection.socket.destroy();
    closeIdle();
  };
  server.closeAllConnections = () => {
    for (const connection of open) connection.socket.destroy();
    closeAll();
  };
}

/**
 * node:http server settings the front does not implement, each left at its default by the data plane's
 * server factory: a server given one (Fastify's `maxRequestsPerSocket`, a setting made after start-up) has its
 * connections served by node:http, read when each is accepted.
 */
function nodeOnly(server: Server): boolean {
  return (
    // Requests counted per connection: the last one's answer closes it, those after it get a 503.
    (server.maxRequestsPerSocket ?? 0) > 0 ||
    // Duplicate request headers joined, header pairs kept to another count, a body written to a HEAD refused:
    // settings of node:http's server, read from it by name as node:http reads them.
    Reflect.get(server, 'joinDuplicateHeaders') === true ||
    typeof server.maxHeadersCount === 'number' ||
    Reflect.get(server, 'rejectNonStandardBodyWrites') === true ||
    // A lenient parser (the front's is strict).
    (Reflect.get(server, 'httpValidation') !== undefined && Reflect.get(server, 'httpValidation') !== 'strict')
  );
}
