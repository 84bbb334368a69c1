import { ServerResponse, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ParseError, RequestLlhttp, RequestParser } from './llhttp-request-parser.js';

/**
 * The data plane's front on Node's own llhttp binding (ADR 0065): the plain-http server's
 * connections are parsed here, with node:http's parser in REQUEST mode and node:http's settings
 * (strict, its header size limit), and a request that is the plane's — HTTP/1.1, a plane method
 * and path that `accepts`, no `Expect`, no upgrade, a `Host`, its body read whole — is answered
 * through a node:http `ServerResponse` (node's framing, header checks and keep-alive headers) and
 * the plane's handling, without node:http's `IncomingMessage` stream and its server's per-request
 * bookkeeping.
 *
 * Anything else is node:http's: the first request that is not the plane's — a control-plane route,
 * a CORS request, HTTP/1.0, `Expect`, an upgrade, the HTTP/2 preface, a parse error — hands the
 * connection over for the rest of its life, once the answers in flight are written: the parser is
 * dropped, the request's bytes go back to the socket (`unshift`) and node:http's own connection
 * listener takes it, whose parser then reaches node:http's verdict on the same bytes. The one
 * request whose bytes are not kept is one pipelined behind a plane request in the same read of the
 * socket (the parser reports no offsets): a parse error there is given to `clientError` as node:http
 * gives it, and a request there that is not the plane's closes the connection after the answers
 * before it (RFC 9112 §9.3.2: the client retries what was not answered).
 *
 * Kept from node:http's server: `headersTimeout` and `requestTimeout` (checked on its interval,
 * 408 through `clientError`), `keepAliveTimeout`, `server.timeout`, answers in request order with
 * reading paused while too many wait, `closeIdleConnections`/`closeAllConnections` (wrapped to
 * include these connections), the end of a connection when the client half-closes, and a closing
 * connection after each answer once the server stops listening.
 */

/** What the front needs of the data plane (data-plane.ts builds it). */
export interface FrontPlane {
  /** Whether a request (method, path, headers known) is the plane's: the same test node:http's listener makes. */
  serves(req: IncomingMessage): boolean;
  /** Serves a request read whole (`body` undefined: none, or one over the limit, `tooLarge`). */
  serveRead(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, tooLarge: boolean): void;
  /** A request whose body was cut by the client: recorded when `res` closes (a 400). */
  cut(req: IncomingMessage, res: ServerResponse): void;
}

/** Requests answered but not yet written after which reading stops (a pipelining client that never reads). */
const MAX_QUEUED = 16;
/** node:http's limit of header pairs kept (`maxHeadersCount`); a request with more goes to node:http. */
const MAX_HEADER_FIELDS = 2000 * 2;
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);

interface FrontOptions {
  llhttp: RequestLlhttp;
  plane: FrontPlane;
  /** node:http's connection listener, the one the server was made with. */
  nodeListener: (this: Server, socket: Socket) => void;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  checkingIntervalMs: number;
  bodyLimitBytes: number;
}

type Queued = ServerResponse & { _last?: boolean; _keepAliveTimeout?: number; destroyed: boolean; _closed?: boolean };

/** A socket's handle, marked consumed so node:http reads a connection handed over through `data` events, unshifted bytes first. */
type Handled = Socket & { _handle?: { _consumed?: boolean } | null; _httpMessage?: unknown };

/**
 * Puts the front on a plain-http `server` whose request listener is the plane's: its own
 * connection listener is taken off and called for every connection handed over.
 */
export function installLlhttpFront(server: Server, options: Omit<FrontOptions, 'nodeListener'>): void {
  const listeners = server.listeners('connection') as Array<(this: Server, socket: Socket) => void>;
  if (listeners.length !== 1) throw new Error('the server has other connection listeners than node:http’s own');
  const nodeListener = listeners[0]!;
  server.removeListener('connection', nodeListener);
  const front: FrontOptions = { ...options, nodeListener };
  const open = new Set<Connection>();
  server.on('connection', (socket: Socket) => {
    const connection = new Connection(server, socket as Handled, front, open);
    open.add(connection);
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

class Connection {
  readonly socket: Handled;
  readonly #server: Server;
  readonly #o: FrontOptions;
  readonly #open: Set<Connection>;
  readonly #parser: RequestParser;
  /** Answers started or waiting, in request order; the first holds the socket. */
  readonly #queue: Queued[] = [];
  // The message being parsed.
  #inMessage = false;
  #startKnown = true;
  #began = 0;
  #headersDone = false;
  #kept: Buffer[] = [];
  #headers: string[] = [];
  #url = '';
  #req: IncomingMessage | undefined;
  #keepAlive = false;
  #body: Buffer[] = [];
  #received = 0;
  #tooLarge = false;
  /** A message completed during the current `execute` (a message that begins after it began mid-read). */
  #completedHere = false;
  /** The connection goes to node:http once idle, with these bytes; or, with `null`, closes once idle. */
  #leaving: Buffer[] | null | undefined;
  #error: ParseError | undefined;
  #done = false;
  #keepAliveSet = false;
  /** No request has begun on this connection yet (`#began` is when it was accepted). */
  #fresh = true;

  constructor(server: Server, socket: Handled, o: FrontOptions, open: Set<Connection>) {
    this.#server = server;
    this.socket = socket;
    this.#o = o;
    this.#open = open;
    const { llhttp } = o;
    const parser = new llhttp.Parser();
    // As node:http's server: its header size limit (0: Node's own), strict unless node:http would not be.
    parser.initialize(llhttp.REQUEST, {}, (server as { maxHeaderSize?: number }).maxHeaderSize ?? 0, llhttp.kLenientNone);
    parser[llhttp.kOnMessageBegin] = this.#onBegin;
    parser[llhttp.kOnHeaders] = this.#onHeaders;
    parser[llhttp.kOnHeadersComplete] = this.#onHeadersComplete;
    parser[llhttp.kOnBody] = this.#onBody;
    parser[llhttp.kOnMessageComplete] = this.#onComplete;
    this.#parser = parser;
    this.#began = performance.now();
    if (server.timeout > 0) socket.setTimeout(server.timeout);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('timeout', this.#onTimeout);
  }

  /** No request being received and no answer being written. */
  idle(): boolean {
    return !this.#inMessage && this.#queue.length === 0;
  }

  checkDeadlines(now: number): void {
    // A connection that has sent nothing yet is held to the headers deadline too, as node:http holds it.
    if ((!this.#inMessage && !this.#fresh) || this.#leaving !== undefined) return;
    const elapsed = now - this.#began;
    const { headersTimeoutMs, requestTimeoutMs } = this.#o;
    if ((!this.#headersDone && headersTimeoutMs > 0 && elapsed > headersTimeoutMs) || (requestTimeoutMs > 0 && elapsed > requestTimeoutMs)) {
      // node:http's 408 through `clientError`, not a hand-over (node:http would start the deadline again).
      this.#error = Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
      this.#leaving = null;
      this.#settle();
    }
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#leaving !== undefined) {
      this.#leaving?.push(chunk);
      return;
    }
    if (!this.#inMessage) this.#kept = [chunk];
    else if (this.#startKnown) this.#kept.push(chunk);
    this.#completedHere = false;
    const result = this.#parser.execute(chunk);
    if (result instanceof Error && this.#leaving === undefined) this.#fail(result);
    else if (!this.#inMessage && this.#leaving === undefined) this.#kept = [];
    this.#settle();
  };

  readonly #onBegin = (): void => {
    if (this.#leaving !== undefined) return;
    this.#fresh = false;
    this.#inMessage = true;
    this.#startKnown = !this.#completedHere;
    this.#began = performance.now();
    this.#headersDone = false;
    this.#headers = [];
    this.#url = '';
    this.#body = [];
    this.#received = 0;
    this.#tooLarge = false;
    // The keep-alive deadline of an idle connection stops here (server.timeout, 0 by default, applies again).
    if (this.#keepAliveSet) {
      this.#keepAliveSet = false;
      this.socket.setTimeout(this.#server.timeout);
    }
  };

  readonly #onHeaders = (headers: string[], url: string): void => {
    if (this.#leaving !== undefined) return;
    this.#headers = this.#headers.concat(headers);
    this.#url += url;
  };

  readonly #onHeadersComplete = (major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined, _status: unknown, _message: unknown, upgrade: boolean, keepAlive: boolean): number => {
    if (this.#leaving !== undefined) return 1;
    this.#headersDone = true;
    const raw = headers ?? this.#headers;
    this.#headers = [];
    const name = this.#o.llhttp.methods[method] ?? '';
    const req = requestOf(this.socket, name, url ?? this.#url, raw, this.#o.llhttp.addHeaderLine);
    const plane =
      major === 1 &&
      minor === 1 &&
      !upgrade &&
      raw.length <= MAX_HEADER_FIELDS &&
      req.headers.host !== undefined &&
      req.headers.expect === undefined &&
      this.#o.plane.serves(req);
    // A GET, HEAD or TRACE with a body: node:http's plane reads none and lets node:http drop it.
    const length = req.headers['content-length'];
    const body = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (!plane || (body && BODYLESS.has(name))) {
      this.#leave();
      // 2: no body, and the parser stops here as for an upgrade (node:http parses this request again).
      return 2;
    }
    this.#req = req;
    this.#keepAlive = keepAlive;
    if (length !== undefined && Number(length) > this.#o.bodyLimitBytes) {
      // Refused before its body, as node:http's plane does, and the connection closed after the answer.
      this.#tooLarge = true;
      this.#dispatch(true);
      return 1;
    }
    return 0;
  };

  readonly #onBody = (chunk: Buffer): void => {
    if (this.#leaving !== undefined || this.#tooLarge) return;
    this.#received += chunk.length;
    if (this.#received > this.#o.bodyLimitBytes) {
      // Answered at once and the connection closed after it, as node:http's plane does.
      this.#tooLarge = true;
      this.#body = [];
      this.#dispatch(true);
      return;
    }
    this.#body.push(chunk);
  };

  readonly #onComplete = (): void => {
    if (this.#leaving !== undefined) return;
    this.#inMessage = false;
    this.#completedHere = true;
    this.#kept = [];
    if (!this.#tooLarge) this.#dispatch(false);
  };

  #dispatch(tooLarge: boolean): void {
    const req = this.#req!;
    this.#req = undefined;
    const body = this.#body;
    this.#body = [];
    const socket = this.socket;
    // node:http's own response: its framing, header checks, keep-alive headers and back-pressure.
    const res = new (ServerResponse as unknown as new (req: IncomingMessage, options: object) => Queued)(req, { highWaterMark: socket.writableHighWaterMark });
    res._keepAliveTimeout = this.#server.keepAliveTimeout;
    res.shouldKeepAlive = this.#keepAlive && !tooLarge;
    res.on('finish', () => this.#finished(res));
    this.#queue.push(res);
    if (this.#queue.length === 1) res.assignSocket(socket);
    if (tooLarge) {
      // The rest of the connection is not read: it closes once this answer is out.
      this.#leaving = null;
      this.#inMessage = false;
    }
    if (this.#queue.length >= MAX_QUEUED || socket.writableNeedDrain) socket.pause();
    this.#o.plane.serveRead(req, res, tooLarge ? undefined : body.length === 1 ? body[0] : Buffer.concat(body, this.#received), tooLarge);
  }

  #finished(res: Queued): void {
    const queue = this.#queue;
    const socket = this.socket;
    if (queue[0] !== res) return;
    queue.shift();
    res.detachSocket(socket);
    process.nextTick(emitClose, res);
    if (res._last || !this.#server.listening) {
      this.#close();
      return;
    }
    const next = queue[0];
    if (next !== undefined) {
      next.assignSocket(socket);
    } else {
      if (this.#leaving !== undefined) {
        this.#whenIdle();
        return;
      }
      if (!this.#inMessage && this.#server.keepAliveTimeout > 0) {
        socket.setTimeout(this.#server.keepAliveTimeout);
        this.#keepAliveSet = true;
      }
    }
    if (socket.isPaused() && queue.length < MAX_QUEUED) socket.resume();
  }

  /** The current request is node:http's (or, when its bytes are not known, the connection ends after the answers before it). */
  #leave(): void {
    this.#leaving = this.#startKnown ? this.#kept : null;
    this.#kept = [];
  }

  #fail(error: ParseError): void {
    if (this.#inMessage && this.#startKnown) {
      // node:http's parser reaches the same verdict on the same bytes, and answers it.
      this.#leave();
      return;
    }
    this.#error = error;
    this.#leaving = null;
  }

  /** After a read: a connection leaving goes once nothing is being written. */
  #settle(): void {
    if (this.#leaving !== undefined && this.#queue.length === 0) this.#whenIdle();
  }

  #whenIdle(): void {
    const leaving = this.#leaving;
    if (leaving === null) {
      const error = this.#error;
      if (error !== undefined) {
        this.#error = undefined;
        this.#detach();
        if (!this.#server.emit('clientError', error, this.socket)) this.socket.destroy();
        return;
      }
      this.#close();
      return;
    }
    if (leaving === undefined) return;
    this.#detach();
    const socket = this.socket;
    // node:http reads it through `data` events (not its handle directly), so the bytes given back come first.
    if (socket._handle) socket._handle._consumed = true;
    socket.setTimeout(0);
    this.#o.nodeListener.call(this.#server, socket);
    if (socket.isPaused()) socket.resume();
    for (let i = leaving.length - 1; i >= 0; i--) socket.unshift(leaving[i]!);
  }

  #detach(): void {
    if (this.#done) return;
    this.#done = true;
    this.#open.delete(this);
    const socket = this.socket;
    socket.removeListener('data', this.#onData);
    socket.removeListener('end', this.#onEnd);
    socket.removeListener('error', this.#onError);
    socket.removeListener('close', this.#onClose);
    socket.removeListener('timeout', this.#onTimeout);
    // An error after this point (a write to a reset socket) is nobody's to throw.
    socket.on('error', ignore);
    this.#parser.close();
  }

  #close(): void {
    this.#leaving = null;
    const socket = this.socket;
    if (typeof (socket as { destroySoon?: () => void }).destroySoon === 'function') (socket as unknown as { destroySoon: () => void }).destroySoon();
    else socket.end();
  }

  /** A plane request whose body never ended: the plane records it as it records a cut upload. */
  #recordCut(): void {
    const req = this.#req;
    if (req === undefined || this.#leaving !== undefined) return;
    this.#req = undefined;
    const res = new (ServerResponse as unknown as new (req: IncomingMessage, options: object) => Queued)(req, {});
    this.#o.plane.cut(req, res);
    emitClose(res);
  }

  readonly #onEnd = (): void => {
    this.#recordCut();
    // As node:http's server (httpAllowHalfOpen off): a client that stops sending ends the connection.
    if (this.#leaving === undefined && this.#queue.length === 0) {
      // A request cut by the end of the stream: node:http's verdict on it, through `clientError`.
      const error = this.#parser.finish();
      if (error instanceof Error) {
        this.#error = error;
        this.#leaving = null;
        this.#settle();
        return;
      }
    }
    if (this.socket.writable) this.socket.end();
  };

  readonly #onError = (): void => {
    this.socket.destroy();
  };

  readonly #onTimeout = (): void => {
    this.socket.destroy();
  };

  readonly #onClose = (): void => {
    this.#detach();
    this.#recordCut();
    // Answers not yet written close with the connection (the one holding the socket hears it from the socket).
    for (let i = 1; i < this.#queue.length; i++) emitClose(this.#queue[i]!);
    this.#queue.length = 0;
  };
}

function emitClose(res: Queued): void {
  if (res._closed === true) return;
  res.destroyed = true;
  res._closed = true;
  res.emit('close');
}

function ignore(): void {}

/** What the plane and its handlers read of a request, shaped as node:http's (no stream: its body is read whole). */
function requestOf(socket: Socket, method: string, url: string, raw: string[], addHeaderLine: RequestLlhttp['addHeaderLine']): IncomingMessage {
  const headers: Record<string, unknown> = {};
  for (let i = 0; i < raw.length; i += 2) addHeaderLine(raw[i]!, raw[i + 1]!, headers);
  const req = {
    method,
    url,
    headers: headers as IncomingHttpHeaders,
    rawHeaders: raw,
    httpVersion: '1.1',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    socket,
    connection: socket,
    complete: true,
  };
  return req as unknown as IncomingMessage;
}
