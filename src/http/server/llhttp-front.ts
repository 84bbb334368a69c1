import { ServerResponse, STATUS_CODES, validateHeaderName, validateHeaderValue, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ParseError, RequestLlhttp, RequestParser } from './llhttp-request-parser.js';

/**
 * The data plane's front on Node's own llhttp binding (ADR 0065): the plain-http server's
 * connections are parsed here, with node:http's parser in REQUEST mode and node:http's settings
 * (strict, its header size limit), and a request that is the plane's — HTTP/1.1, a plane method
 * and path that `accepts`, no `Expect`, no upgrade, a `Host`, its body read whole — is served by
 * the plane's handling without node:http's `IncomingMessage` stream and its server's per-request
 * bookkeeping. An answer given whole (status, headers, a body with its length) is written to the
 * socket here, head and body in one write, with the bytes and checks node:http's `writeHead` and
 * `end` give it (ADR 0067); any other (a stream, a header node:http treats specially) goes through
 * a node:http `ServerResponse` made for it on demand.
 *
 * Anything else is node:http's: the first request that is not the plane's — a control-plane route,
 * a CORS request, HTTP/1.0, `Expect`, an upgrade, the HTTP/2 preface, a parse error — hands the
 * connection over, once the answers in flight are written: the parser is dropped, the request's
 * bytes go back to the socket (`unshift`) and node:http's own connection listener takes it, whose
 * parser then reaches node:http's verdict on the same bytes. node:http's answer to that request
 * closes the connection (`Connection: close`), where node:http alone would keep it: a connection
 * cannot come back from node:http's parser, and a client that fetched a token, or a load balancer
 * whose pooled connection carried one health check, would otherwise have every later call of that
 * connection parsed by node:http; the next connection is the front's again. The one
 * request whose bytes are not kept is one pipelined behind a plane request in the same read of the
 * socket (the parser reports no offsets): a parse error there is given to `clientError` as node:http
 * gives it, and a request there that is not the plane's closes the connection after the answers
 * before it (RFC 9112 §9.3.2: the client retries what was not answered).
 *
 * Kept from node:http's server: `headersTimeout` and `requestTimeout` (checked on its interval,
 * 408 through `clientError`), `keepAliveTimeout` (and its `keepAliveTimeoutBuffer`), `server.timeout`,
 * answers in request order with reading paused while too many wait, `closeIdleConnections`/
 * `closeAllConnections` (wrapped to include these connections), the end of a connection when the
 * client half-closes, and a closing connection after each answer once the server stops listening.
 */

/** What the front needs of the data plane (data-plane.ts builds it). */
export interface FrontPlane {
  /** Whether a request (method, path, headers known) is the plane's: the same test node:http's listener makes. */
  serves(req: IncomingMessage): boolean;
  /** Serves a request read whole (`body` undefined: none, or one over the limit, `tooLarge`). */
  serveRead(req: IncomingMessage, answer: FrontAnswer, body: Buffer | undefined, tooLarge: boolean): void;
  /** A request whose body was cut by the client: recorded when `res` closes (a 400). */
  cut(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * The answer to one plane request, in its connection's order: written whole by {@link FrontAnswer.writeWhole},
 * or by node:http's `ServerResponse` from {@link FrontAnswer.response}, never both.
 */
export interface FrontAnswer {
  /** Headers have been written (or are waiting for the answers before this one). */
  readonly headersSent: boolean;
  /**
   * Called once when the answer has been handed to the socket whole (node:http's `finish`), or, once
   * {@link FrontAnswer.response} has made the answer's response, when that response finishes; cleared after.
   */
  onFinish: (() => void) | undefined;
  /** Called once when the answer is over, written or not (node:http's `close`). */
  onClose: (() => void) | undefined;
  /**
   * Writes the answer whole, as node:http's `writeHead(status, headers).end(body)` writes it, and
   * returns true; or returns false, having written nothing, for an answer that needs node:http's
   * `ServerResponse` (a status under 200, no `content-length` for a body, a header node:http
   * treats specially besides `connection`, `content-length` and `date`, a `cookie` list, a
   * `response()` already made). Header names are lower case (the plane's reply keeps them so).
   * Throws what `writeHead` throws for an invalid header name or value, having written nothing.
   */
  writeWhole(status: number, headers: Readonly<Record<string, string | number | string[]>>, body: Buffer | string | undefined): boolean;
  /** node:http's response for this answer (a stream, a header written apart), made on the first call. */
  response(): ServerResponse;
  /** Cuts the connection if this answer is not written whole yet (node:http's `res.destroy()`). */
  destroy(): void;
}

/** Requests answered but not yet written after which reading stops (a pipelining client that never reads). */
const MAX_QUEUED = 16;
/** node:http's limit of header pairs kept (`maxHeadersCount`); a request with more goes to node:http. */
const MAX_HEADER_FIELDS = 2000 * 2;
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);
/** An answer's body written in one buffer with its head up to this size; a larger one follows it (one writev). */
const COPY_BODY_BYTES = 16_384;

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

/** Connections handed to node:http, until node:http's answer to the request that sent them there (see the file's head). */
const closesAfterItsAnswer = new WeakSet<Socket>();

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
  // Ahead of the plane's listener, so the answer is still unwritten: its head then says `Connection: close`.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (closesAfterItsAnswer.delete(req.socket)) res.shouldKeepAlive = false;
  });
  server.on('connection', (socket: Socket) => {
    if (nodeOnly(server)) {
      nodeListener.call(server, socket);
      return;
    }
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

/**
 * node:http server settings the front does not implement, each left at its default by the data plane's
 * server factory: a server given one (Fastify's `maxRequestsPerSocket`, a setting made after start-up) has its
 * connections served by node:http, read when each is accepted.
 */
function nodeOnly(server: Server): boolean {
  const s = server as Server & { joinDuplicateHeaders?: boolean; rejectNonStandardBodyWrites?: boolean; httpValidation?: string; maxHeadersCount: number | null };
  return (
    // Requests counted per connection: the last one's answer closes it, those after it get a 503.
    (s.maxRequestsPerSocket ?? 0) > 0 ||
    // Duplicate request headers joined, header pairs kept to another count, a body written to a HEAD refused.
    s.joinDuplicateHeaders === true ||
    typeof s.maxHeadersCount === 'number' ||
    s.rejectNonStandardBodyWrites === true ||
    // A lenient parser (the front's is strict).
    (s.httpValidation !== undefined && s.httpValidation !== 'strict')
  );
}

class Connection {
  readonly socket: Handled;
  readonly #server: Server;
  readonly #o: FrontOptions;
  readonly #open: Set<Connection>;
  readonly #parser: RequestParser;
  /** Answers started or waiting, in request order; the first holds the socket. */
  readonly #queue: Answer[] = [];
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
  /** The socket has timers (`setTimeout`): a `net.Socket`, not an in-memory duplex. */
  readonly #timed: boolean;
  #keepAliveTimeout = -1;
  #keepAliveLinesText = '';

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
    // A connection handed over in memory (a duplex stream, in-process-servers.ts) has no timers: node:http skips them too.
    this.#timed = typeof socket.setTimeout === 'function';
    if (server.timeout > 0 && this.#timed) socket.setTimeout(server.timeout);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('timeout', this.#onTimeout);
    socket.on('drain', this.#onDrain);
  }

  /** node:http's `kWritableFinished` mark (see {@link Answer.response}). */
  get writableFinished(): symbol {
    return this.#o.llhttp.writableFinished;
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
    const answer = new Answer(this, req, this.#keepAlive && !tooLarge);
    this.#queue.push(answer);
    if (tooLarge) {
      // The rest of the connection is not read: it closes once this answer is out.
      this.#leaving = null;
      this.#inMessage = false;
    }
    if (this.#queue.length >= MAX_QUEUED || socket.writableNeedDrain) socket.pause();
    this.#o.plane.serveRead(req, answer, tooLarge ? undefined : body.length === 1 ? body[0] : Buffer.concat(body, this.#received), tooLarge);
  }

  /** node:http's response for `answer`: its framing, header checks, keep-alive headers and back-pressure. */
  response(answer: Answer): Queued {
    const socket = this.socket;
    const res = new (ServerResponse as unknown as new (req: IncomingMessage, options: object) => Queued)(answer.req, { highWaterMark: socket.writableHighWaterMark });
    answer.res = res;
    if (answer.gone) {
      // As node:http's: the response of a connection already closed closed with it, before anyone could listen,
      // so a handler that asks for it late is told at once (its writes fail, `finished` reports the close).
      res.destroyed = true;
      res._closed = true;
      return res;
    }
    res._keepAliveTimeout = this.#server.keepAliveTimeout;
    res.shouldKeepAlive = answer.keepAlive;
    // A finish listener the answer held while no response was made (the data plane's `whenFinished`)
    // is the response's now: left on the answer, it never ran for an answer streamed through the
    // response, and what it would have released (the forwarder's close listener on this socket) stayed
    // for as long as the kept-alive connection, one more a call.
    const onFinish = answer.onFinish;
    answer.onFinish = undefined;
    res.on('finish', () => {
      this.#finished(answer);
      onFinish?.();
    });
    res.once('close', () => answer.closed());
    if (this.#queue[0] === answer && !this.#done) res.assignSocket(socket);
    return res;
  }

  /** The head of `answer` written whole (see {@link Answer.writeWhole}): now, or when the answers before it are out. */
  whole(answer: Answer): void {
    if (this.#queue[0] === answer) this.#write(answer);
  }

  /** `res.destroy()` of an answer not written whole: the connection is cut (now, or when its turn comes). */
  cut(answer: Answer): void {
    if (this.#queue[0] === answer) this.socket.destroy();
  }

  /**
   * Head and body in one write of the socket. A body up to {@link COPY_BODY_BYTES} is copied behind its
   * head into one buffer: one `write` of one buffer costs a fraction of the corked pair node:http's `end`
   * sends (its buffered write, `writev`'s chunk list and the native copy of each chunk;
   * docs/perf-journal/gateway-and-fleet-2026-11-28.md, "Per-call cuts on an Intel host").
   * A larger body follows its head in one `writev`, as before.
   */
  #write(answer: Answer): void {
    const socket = this.socket;
    if (answer.cutPending) {
      socket.destroy();
      return;
    }
    const head = answer.head!;
    const body = answer.body;
    answer.head = undefined;
    answer.body = undefined;
    if (socket.destroyed) return;
    if (body === undefined) {
      socket.write(head, 'latin1', this.#written);
    } else if (typeof body === 'string') {
      // As node:http: a string body is sent with its head as one string (utf8).
      socket.write(head + body, this.#written);
    } else if (body.length <= COPY_BODY_BYTES) {
      // The head is latin1 (its values passed node:http's header-character check): a byte a character.
      const bytes = Buffer.allocUnsafe(head.length + body.length);
      bytes.write(head, 0, 'latin1');
      bytes.set(body, head.length);
      socket.write(bytes, this.#written);
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body, this.#written);
      socket.uncork();
    }
  }

  /** The socket took the head answer's last bytes (in order: only the head answer writes). */
  readonly #written = (err?: Error | null): void => {
    // As node:http: no `finish` for an answer whose socket failed (its close ends the answer).
    if (err) return;
    const answer = this.#queue[0];
    if (answer !== undefined && answer.res === undefined) this.#finished(answer);
  };

  #finished(answer: Answer): void {
    const queue = this.#queue;
    const socket = this.socket;
    if (queue[0] !== answer) return;
    queue.shift();
    const res = answer.res;
    if (res !== undefined) {
      res.detachSocket(socket);
      process.nextTick(emitClose, res);
    } else {
      answer.finished();
      process.nextTick(closeAnswer, answer);
    }
    if ((res !== undefined ? res._last : answer.last) || !this.#server.listening) {
      this.#close();
      return;
    }
    const next = queue[0];
    if (next !== undefined) {
      if (next.res !== undefined) next.res.assignSocket(socket);
      else if (next.head !== undefined || next.cutPending) this.#write(next);
    } else {
      if (this.#leaving !== undefined) {
        this.#whenIdle();
        return;
      }
      const keepAlive = this.#server.keepAliveTimeout;
      if (!this.#inMessage && Number.isFinite(keepAlive) && keepAlive > 0 && this.#timed) {
        // As node:http: the connection is kept a little past the deadline its Keep-Alive header gives (its
        // `keepAliveTimeoutBuffer`, 1 s by default), so a client reusing it just before then meets no reset.
        const buffer = (this.#server as { keepAliveTimeoutBuffer?: number }).keepAliveTimeoutBuffer;
        socket.setTimeout(keepAlive + (typeof buffer === 'number' && Number.isFinite(buffer) && buffer >= 0 ? buffer : 1000));
        this.#keepAliveSet = true;
      }
    }
    if (socket.isPaused() && queue.length < MAX_QUEUED) socket.resume();
  }

  /** The keep-alive lines node:http adds to an answer on a connection kept open (`Keep-Alive` with the server's deadline). */
  keepAliveLines(): string {
    const timeout = this.#server.keepAliveTimeout;
    if (timeout !== this.#keepAliveTimeout) {
      this.#keepAliveTimeout = timeout;
      this.#keepAliveLinesText = timeout ? `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(timeout / 1000)}\r\n` : 'Connection: keep-alive\r\n';
    }
    return this.#keepAliveLinesText;
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
    if (this.#timed) socket.setTimeout(0);
    closesAfterItsAnswer.add(socket);
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
    socket.removeListener('drain', this.#onDrain);
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

  /**
   * As node:http's server: a response whose write the socket refused (a relayed stream piped into it)
   * waits for `drain`, which the socket emits, not the response; without this it would wait for ever.
   */
  readonly #onDrain = (): void => {
    const res = this.socket._httpMessage as (Queued & Record<symbol, unknown>) | null | undefined;
    const needDrain = this.#o.llhttp.needDrain;
    if (res && !res.finished && res[needDrain] === true) {
      res[needDrain] = false;
      res.emit('drain');
    }
  };

  readonly #onError = (): void => {
    this.socket.destroy();
  };

  /**
   * As node:http's server (`socketOnTimeout`): the response holding the socket (a stream whose handler called
   * `setTimeout` with a callback) and the server hear the timeout first; only one nobody listens to cuts the
   * connection. (node:http also tells a request still being received; a plane request is not an emitter.)
   */
  readonly #onTimeout = (): void => {
    const socket = this.socket;
    const res = socket._httpMessage as ServerResponse | null | undefined;
    const heard = res?.emit('timeout', socket) === true;
    if (!this.#server.emit('timeout', socket) && !heard) socket.destroy();
  };

  readonly #onClose = (): void => {
    this.#detach();
    this.#recordCut();
    // Answers not yet written close with the connection (a response holding the socket hears it from the socket).
    const socket = this.socket;
    for (const answer of this.#queue) if (answer.res === undefined || answer.res.socket !== socket) closeAnswer(answer);
    this.#queue.length = 0;
  };
}

function closeAnswer(answer: Answer): void {
  if (answer.res !== undefined) emitClose(answer.res);
  else answer.closed();
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

/** Headers node:http writes its own way or acts on (`_storeHeader`): an answer with one goes through its `ServerResponse`. */
const SPECIAL = new Set(['transfer-encoding', 'expect', 'trailer', 'keep-alive', 'cookie']);
/** node:http's test of a `Connection` value that closes (`RE_CONN_CLOSE`). */
const CONNECTION_CLOSE = /(?:^|\W)close(?:$|\W)/i;
/**
 * Header names `validateHeaderName` passed: an answer's names are the same few strings call after call, and
 * a set lookup costs a fraction of the token check (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "Per-call cuts after the front became the default"). Bounded (names may be an agent's);
 * past the bound a name is checked each time, as before.
 */
const validNames = new Set<string>();
const MAX_VALID_NAMES = 256;
/** Status lines by status, as node:http words them (`STATUS_CODES`, else `unknown`). */
const statusLines = new Map<number, string>();

function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

let dateCache: string | undefined;
/** node:http's `Date` value: one string a second, reset by a timer that does not hold the process. */
function utcDate(): string {
  if (dateCache === undefined) {
    const now = new Date();
    dateCache = now.toUTCString();
    setTimeout(resetDate, 1000 - now.getMilliseconds()).unref();
  }
  return dateCache;
}

function resetDate(): void {
  dateCache = undefined;
}

class Answer implements FrontAnswer {
  readonly #connection: Connection;
  readonly req: IncomingMessage;
  /** The request lets the connection stay open after this answer (node:http's `shouldKeepAlive`). */
  readonly keepAlive: boolean;
  res: Queued | undefined;
  /** A head written whole and waiting for its turn (then its body, if any). */
  head: string | undefined;
  body: Buffer | string | undefined;
  headersSent = false;
  /** The connection closes after this answer (node:http's `_last`). */
  last = false;
  cutPending = false;
  /** What {@link response} gives once the answer was written whole. */
  #written: Queued | undefined;
  #over = false;
  /** Handed to the socket whole ({@link finished}). */
  #handed = false;
  #closed = false;
  onFinish: (() => void) | undefined;
  onClose: (() => void) | undefined;

  constructor(connection: Connection, req: IncomingMessage, keepAlive: boolean) {
    this.#connection = connection;
    this.req = req;
    this.keepAlive = keepAlive;
  }

  writeWhole(status: number, headers: Readonly<Record<string, string | number | string[]>>, body: Buffer | string | undefined): boolean {
    if (this.res !== undefined || this.headersSent || !Number.isInteger(status) || status < 200 || status > 999) return false;
    // As node:http's `_hasBody`: no body to a HEAD, a 204 or a 304 (its length, if given, is still written).
    const hasBody = status !== 204 && status !== 304 && this.req.method !== 'HEAD';
    let head = statusLine(status);
    let length = false;
    let connection = false;
    // A relayed answer carries its agent's `Date`: node:http then adds none.
    let dated = false;
    let last = false;
    let keepAlive = this.keepAlive;
    for (const name in headers) {
      const value = headers[name]!;
      if (!validNames.has(name)) {
        validateHeaderName(name);
        if (validNames.size < MAX_VALID_NAMES) validNames.add(name);
      }
      if (SPECIAL.has(name)) return false;
      if (name === 'content-length') length = true;
      else if (name === 'date') dated = true;
      else if (name === 'connection') {
        connection = true;
        if (CONNECTION_CLOSE.test(String(value))) last = true;
        else keepAlive = true;
      }
      if (typeof value === 'object') {
        for (const item of value) {
          validateHeaderValue(name, item);
          head += `${name}: ${item}\r\n`;
        }
      } else {
        validateHeaderValue(name, value as string);
        head += `${name}: ${value}\r\n`;
      }
    }
    if (hasBody && !length) return false;
    if (!dated) head += `Date: ${utcDate()}\r\n`;
    if (!connection) {
      if (keepAlive) head += this.#connection.keepAliveLines();
      else {
        last = true;
        head += 'Connection: close\r\n';
      }
    }
    this.head = head + '\r\n';
    this.body = hasBody && body !== undefined && body.length > 0 ? body : undefined;
    this.last = last;
    this.headersSent = true;
    this.#connection.whole(this);
    return true;
  }

  response(): ServerResponse {
    if (this.res !== undefined) return this.res;
    if (this.headersSent) {
      // Already written whole: a response that says so, on no socket, and writes nothing more; its
      // `finish` and `close` come when the answer's do, as node:http's would (`finished()` on it ends).
      if (this.#written === undefined) {
        const res = new ServerResponse(this.req) as Queued & Record<symbol, unknown>;
        (res as unknown as { _header: string })._header = this.head ?? 'HTTP/1.1';
        res.finished = true;
        if (this.#handed) res[this.#connection.writableFinished] = true;
        if (this.#closed) {
          res.destroyed = true;
          res._closed = true;
        }
        this.#written = res;
      }
      return this.#written;
    }
    return this.#connection.response(this);
  }

  destroy(): void {
    if (this.#over) return;
    this.cutPending = true;
    this.#connection.cut(this);
  }

  /** Handed to the socket whole. */
  finished(): void {
    this.#over = true;
    this.#handed = true;
    const onFinish = this.onFinish;
    this.onFinish = undefined;
    onFinish?.();
    const written = this.#written;
    if (written !== undefined) {
      (written as Queued & Record<symbol, unknown>)[this.#connection.writableFinished] = true;
      written.emit('finish');
    }
  }

  /** The answer has closed (for one not written whole: its connection closed first). */
  get gone(): boolean {
    return this.#closed;
  }

  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#over = true;
    this.onClose?.();
    if (this.#written !== undefined) emitClose(this.#written);
  }
}
