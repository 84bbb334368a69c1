import { createServer, ServerResponse, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { Readable } from 'node:stream';
import { context } from '@opentelemetry/api';
import { requestContext, type Logger, type Tracing } from '../../observability/index.js';
import { requestSpanOf } from './request-context-hooks.js';
import { Errors, type AgentmeshError } from '../../protocol/index.js';
import type { ExchangeIncoming, ExchangeReply, ExchangeRequest } from './exchange.js';
import { renderHttpError } from '../errors/render-http-error.js';
import { requestIdOf } from './request-id.js';
import { SECURITY_HEADERS } from './security-headers.js';
import type { ServerState } from '../lifecycle/server-state.js';
import { installLlhttpFront } from './llhttp-front.js';
import type { FrontAnswer } from './front-answer.js';
import { COPY_BODY_BYTES } from './front-answer-queue.js';
import type { FrontPlane } from './front-plane.js';
import { loadLlhttp, loadServerInternals, type Llhttp, type ServerInternals } from '../node-http-internals.js';

/**
 * A path prefix served on node:http directly, beside Fastify (ADR 0015).
 *
 * Why: the gateway relays every A2A call, and Fastify's per-request work —
 * routing, hooks, the content-type parser's AsyncResource, the reply's
 * onSend chain, the request and reply objects and their logger — is a
 * fifth of a relayed call's CPU, spent on features a proxied call does not
 * use. A request under the prefix gets what the role's Fastify hooks give
 * every request (an id echoed in `x-request-id`, the security headers, the
 * draining refusal, the body limit, errors as google.rpc.Status, HTTP
 * metrics and the request's span) from this file, then goes to `handle`.
 * Anything else, and a request `accepts` declines (the gateway sends CORS
 * requests through Fastify's plugin), goes to Fastify as before.
 */
export interface DataPlaneRoute {
  /** Paths starting with this (`/agents/`) are served here. */
  readonly prefix: string;
  /** Requests this returns false for go through Fastify. */
  accepts?: ((req: ExchangeIncoming) => boolean) | undefined;
  /** Set by the role once its handler is built; until then, everything goes through Fastify. */
  handle?: ((request: ExchangeRequest, reply: ExchangeReply) => Promise<void>) | undefined;
  /** The `route` label of the HTTP metrics of a request served here. */
  routeLabel(path: string): string;
  /**
   * The answer to an error the plane itself gives (body too large, draining,
   * a handler that threw) for a path whose protocol has an error shape of its
   * own (the gateway's ACP door: ACP's `Error`); undefined keeps google.rpc.Status.
   */
  renderError?: ((path: string, error: AgentmeshError, requestId: string) => { statusCode: number; body: unknown } | undefined) | undefined;
}

/** Methods whose body is read (Fastify's `bodywith` less QUERY, which has rules of its own); GET, HEAD and TRACE carry none. */
const BODY_METHODS = new Set(['DELETE', 'OPTIONS', 'PATCH', 'PUT', 'POST']);
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE']);
const JSON_TYPE = 'application/json; charset=utf-8';

const kPlane = Symbol('agentmesh.dataPlane');
type Carrier = IncomingMessage & { [kPlane]?: PlaneRequest };
type ReplyCarrier = ServerResponse & { [kPlane]?: PlaneReply };

/** What the data plane's dispatcher needs from the server it is built into. */
export interface DataPlaneDeps {
  route: DataPlaneRoute;
  state: ServerState;
  log: Logger;
  /** Writes the request lines Fastify writes (`incoming request`, `request completed`, at info), with its `req` serializer. */
  requestLog: Logger;
  bodyLimitBytes: number;
  trustProxy: boolean;
  securityHeaders: boolean;
  tracing: Tracing;
  /** Run the handler inside the request context (AsyncLocalStorage), as the role's hooks do; always when tracing. */
  asyncContext: boolean;
  /** Records the HTTP metrics of an answered request and ends its span. */
  record: (request: PlaneRequest, reply: PlaneReply, route: string) => void;
}

/** A request served by the data plane. Plain fields, no getters to run per request (CONTRIBUTING.md, "Hot paths"): the handler reads each once or twice. */
export class PlaneRequest implements ExchangeRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly ip: string;
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly raw: ExchangeIncoming;
  body: Buffer | undefined;
  readonly query: Record<string, string>;
  /** The body as it arrives. */
  chunks: Buffer[] = [];
  received = 0;
  /** The body is being read. */
  reading = false;
  /** The reply to this request (set by the dispatcher). */
  reply: PlaneReply | undefined;

  /** For the request log line (`remotePort`). */
  get socket(): IncomingMessage['socket'] {
    return this.raw.socket;
  }

  constructor(raw: ExchangeIncoming, id: string, trustProxy: boolean) {
    this.raw = raw;
    this.id = id;
    this.method = raw.method ?? 'GET';
    this.url = raw.url ?? '/';
    this.headers = raw.headers;
    this.ip = clientIp(raw, trustProxy);
    // The hop nearest us (the last value), as Fastify reads them: a client can prepend its own.
    const forwardedProto = trustProxy ? lastValue(raw.headers['x-forwarded-proto']) : undefined;
    this.protocol = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : (raw.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
    this.host = (trustProxy ? lastValue(raw.headers['x-forwarded-host']) : undefined) ?? raw.headers.host ?? '';
    const q = this.url.indexOf('?');
    this.query = q < 0 ? {} : Object.fromEntries(new URLSearchParams(this.url.slice(q + 1)));
  }
}

/**
 * A reply written straight to node:http: headers gathered in one object and
 * written with the body in one `writeHead` + `end`, as Fastify's `send`
 * does for a Buffer, without its serializer and hook chain. Behind the llhttp
 * front, an answer given whole is written by the front itself
 * ({@link FrontAnswer.writeWhole}), and node:http's `ServerResponse` (`raw`)
 * is made only when a handler asks for it.
 */
export class PlaneReply implements ExchangeReply {
  readonly request: PlaneRequest;
  statusCode = 200;
  #res: ServerResponse | undefined;
  readonly #answer: FrontAnswer | undefined;
  readonly #headers: Record<string, string | number | string[]>;
  readonly #started = performance.now();
  readonly #log: Logger;
  /** A streamed body still being written: the response's close destroys it (see {@link PlaneReply.closed}). */
  #body: Readable | undefined;

  constructor(res: ServerResponse | FrontAnswer, request: PlaneRequest, headers: Record<string, string | number | string[]>, log: Logger) {
    if (res instanceof ServerResponse) this.#res = res;
    else this.#answer = res;
    this.request = request;
    this.#headers = headers;
    this.#log = log;
  }

  /** node:http's response (behind the llhttp front, made on the first read: a stream, a handler's own headers). */
  get raw(): ServerResponse {
    return (this.#res ??= this.#answer!.response());
  }

  get sent(): boolean {
    return this.#res !== undefined ? this.#res.headersSent : this.#answer!.headersSent;
  }

  /** Milliseconds since the request arrived (Fastify's `reply.elapsedTime`). */
  get elapsedTime(): number {
    return performance.now() - this.#started;
  }

  /** See {@link ExchangeReply.whenFinished}: held by the front's answer while `raw` is not made. */
  whenFinished(listener: () => void): boolean {
    if (this.#res !== undefined) return false;
    this.#answer!.onFinish = listener;
    return true;
  }

  /** Cuts an answer already started (`raw.destroy()`): the connection goes with it. */
  cut(): void {
    if (this.#res !== undefined) this.#res.destroy();
    else this.#answer!.destroy();
  }

  code(statusCode: number): this {
    this.statusCode = statusCode;
    return this;
  }

  header(name: string, value: string | number | string[]): this {
    this.#headers[name.toLowerCase()] = value;
    return this;
  }

  headers(values: Record<string, string | number | string[]>): this {
    for (const name in values) this.#headers[name.toLowerCase()] = values[name]!;
    return this;
  }

  getHeader(name: string): unknown {
    return this.#headers[name.toLowerCase()];
  }

  send(payload?: Buffer | string | Readable | object): this {
    if (this.sent) {
      this.#log.warn({ statusCode: this.statusCode }, 'a reply was sent twice; the second is dropped');
      return this;
    }
    const headers = this.#headers;
    const status = this.statusCode;
    if (status === 204 || status < 200) {
      // As Fastify: these carry no content, whatever was set or given.
      delete headers['content-type'];
      delete headers['content-length'];
      this.#whole(status, headers, undefined);
    } else if (payload === undefined || payload === null || status === 304) {
      // A HEAD answer keeps the length it was given (the representation's, relayed); others say 0.
      if (status !== 304 && this.request.method !== 'HEAD') headers['content-length'] ??= 0;
      this.#whole(status, headers, undefined);
    } else if (Buffer.isBuffer(payload) || typeof payload === 'string') {
      headers['content-type'] ??= typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream';
      headers['content-length'] = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
      this.#whole(status, headers, payload);
    } else if (typeof (payload as Readable).pipe === 'function') {
      headers['content-type'] ??= 'application/octet-stream';
      this.raw.writeHead(status, headers);
      this.#pipe(payload as Readable);
    } else {
      const json = JSON.stringify(payload);
      headers['content-type'] ??= JSON_TYPE;
      headers['content-length'] = Buffer.byteLength(json);
      this.#whole(status, headers, json);
    }
    return this;
  }

  /** `writeHead` + `end`: by the llhttp front when it can write the answer itself, else by node:http. */
  #whole(status: number, headers: Record<string, string | number | string[]>, body: Buffer | string | undefined): void {
    if (this.#res === undefined && this.#answer!.writeWhole(status, headers, body)) return;
    // node:http's response joins a string body to its head and writes them at once, but writes a Buffer
    // after its head, the two corked into a writev of two chunks (8 k instructions of the stream's buffer
    // and its `writev`, more than the copy). A Buffer body up to COPY_BODY_BYTES goes as its latin1 string:
    // one byte a character each way, so the bytes written are the Buffer's, whatever they are.
    if (Buffer.isBuffer(body) && body.length <= COPY_BODY_BYTES) this.raw.writeHead(status, headers).end(body.toString('latin1'), 'latin1');
    else this.raw.writeHead(status, headers).end(body);
  }

  /**
   * What `stream.pipeline(body, res)` gives a proxy, on far fewer listeners:
   * pipeline watches the response twice over (two end-of-stream watchers and
   * `pipe`'s own, six `close` listeners), and a caller that also waits for the
   * response (the gateway's relay, its ACP bridge) then passes Node's limit of
   * ten and gets a MaxListenersExceededWarning for a perfectly normal stream.
   * Here `pipe` alone writes (one `close` listener, with its backpressure), the
   * response's own close listener (the dispatcher's, present anyway) destroys a
   * body the client left before its end, which aborts whatever feeds it, and a
   * body that fails or is destroyed before its end cuts the response.
   */
  #pipe(body: Readable): void {
    this.#body = body;
    const res = this.raw;
    if (res.destroyed) {
      // The client left before the answer began (its close already seen): a body piped in would wait for a
      // drain that never comes, holding whatever feeds it.
      body.destroy();
      return;
    }
    // Errors are the caller's to record (the relay listens on its body); here they only cut the response.
    body.on('error', ignore);
    // `pipe` re-throws an error of the response that nobody else listens to (a write after a reset): never the process's.
    res.on('error', ignore);
    body.once('close', () => {
      if (!body.readableEnded) res.destroy();
    });
    body.pipe(res);
  }

  /** Called once the response has closed: a streamed body not yet over is destroyed (the client left). */
  closed(): void {
    const body = this.#body;
    if (body !== undefined && !body.readableEnded && !body.destroyed) body.destroy();
  }
}

function ignore(): void {}

/** The last value of a comma-separated header, trimmed. */
function lastValue(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  return header.slice(header.lastIndexOf(',') + 1).trim();
}

/** The first value of a comma-separated header, trimmed. */
function firstValue(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const comma = header.indexOf(',');
  return (comma < 0 ? header : header.slice(0, comma)).trim();
}

/** The client's address: the first `X-Forwarded-For` hop when the proxy in front is trusted (as Fastify's `trustProxy: true`). */
function clientIp(raw: ExchangeIncoming, trustProxy: boolean): string {
  return (trustProxy ? firstValue(raw.headers['x-forwarded-for']) : undefined) ?? raw.socket.remoteAddress ?? '';
}

/**
 * The server's request listener: requests under the prefix are served here,
 * the rest by `fastify` (Fastify's own handler, from its `serverFactory`).
 */
export function dataPlaneListener(deps: DataPlaneDeps, fastify: RequestListener): RequestListener {
  return dataPlane(deps).listener(fastify);
}

/** The data plane's two ways in: node:http's request listener, and a request whose body was read whole by the llhttp front (llhttp-front.ts). */
export interface DataPlane extends FrontPlane {
  /** node:http's request listener: requests under the prefix are served here, the rest by `fastify`. */
  listener(fastify: RequestListener): RequestListener;
}

/** Connections whose next answer closes them (a body refused as too large): requests read on them after it are not served. */
const closing = new WeakSet<object>();

/** Builds the plane's request handling (see {@link DataPlane}). */
export function dataPlane(deps: DataPlaneDeps): DataPlane {
  const { route, state, log, requestLog, bodyLimitBytes, trustProxy, securityHeaders, tracing, record } = deps;
  const asyncContext = deps.asyncContext || tracing.enabled;

  function answerError(request: PlaneRequest, reply: PlaneReply, err: unknown): void {
    try {
      const { statusCode, body, error, internal } = renderHttpError(err, request.id);
      if (internal) log.error({ err: error.cause ?? error, code: error.code, reqId: request.id }, 'request failed');
      if (reply.sent) {
        reply.cut();
        return;
      }
      const own = route.renderError?.(pathOf(request.url), error, request.id);
      reply.code(own?.statusCode ?? statusCode).header('content-type', JSON_TYPE).send(own?.body ?? body);
    } catch (failure) {
      // Even the error could not be written (a header the handler set is invalid): cut this
      // response rather than let a rejection end the process.
      log.error({ err: failure, reqId: request.id }, 'an error answer could not be written');
      reply.cut();
    }
  }

  function run(request: PlaneRequest, reply: PlaneReply): void {
    if (!asyncContext) {
      handle(request, reply);
      return;
    }
    // As the role's onRequest hook: log lines carry reqId/traceId, and the handler's spans are children of the request's.
    const span = requestSpanOf(request, tracing);
    const enter = (): void => requestContext.run({ reqId: request.id, traceId: span.traceId, otelContext: span.context }, () => handle(request, reply));
    if (tracing.enabled) context.with(span.context, enter);
    else enter();
  }

  function handle(request: PlaneRequest, reply: PlaneReply): void {
    let pending: Promise<void>;
    try {
      pending = route.handle!(request, reply);
    } catch (err) {
      answerError(request, reply, err);
      return;
    }
    pending.catch((err: unknown) => answerError(request, reply, err));
  }

  function onData(this: Carrier, chunk: Buffer): void {
    const request = this[kPlane]!;
    request.received += chunk.length;
    if (request.received > bodyLimitBytes) {
      stopReading(this);
      tooLarge(request);
      return;
    }
    request.chunks.push(chunk);
  }

  function onEnd(this: Carrier): void {
    const request = this[kPlane]!;
    stopReading(this);
    request.body = request.chunks.length === 1 ? request.chunks[0] : Buffer.concat(request.chunks, request.received);
    request.chunks = [];
    run(request, request.reply!);
  }

  function onAborted(this: Carrier): void {
    // The client left mid-body: nothing to answer; the response's close records it as Fastify
    // did, a 400 (not the 200 a reply starts with), so a flood of cut uploads is not a success rate.
    stopReading(this);
    const reply = this[kPlane]!.reply!;
    if (!reply.sent) reply.code(400);
  }

  function stopReading(req: Carrier): void {
    req[kPlane]!.reading = false;
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('error', onAborted);
  }

  function tooLarge(request: PlaneRequest): void {
    const reply = request.reply!;
    // The client may still be sending: the connection closes after this answer, and what node:http reads on it
    // after this request is never served (RFC 9112 §9.6): its answer would never be written.
    reply.header('connection', 'close');
    closing.add(request.raw.socket);
    answerError(request, reply, { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'Request body is too large' });
  }

  function onClose(this: ReplyCarrier): void {
    closed(this[kPlane]!);
  }

  function closed(reply: PlaneReply): void {
    const request = reply.request;
    reply.closed();
    // Closed while the body was still coming (aborted, or Node's request deadline): as onAborted.
    if (request.reading && !reply.sent) reply.code(400);
    record(request, reply, route.routeLabel(pathOf(request.url)));
    if (requestLog.isLevelEnabled('info')) requestLog.info({ reqId: request.id, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed');
  }

  function serves(req: ExchangeIncoming): boolean {
    const url = req.url;
    const method = req.method ?? '';
    return !(route.handle === undefined || url === undefined || !url.startsWith(route.prefix) || (!BODY_METHODS.has(method) && !BODYLESS_METHODS.has(method)) || (route.accepts !== undefined && !route.accepts(req)));
  }

  /** The request's plane objects, its close watched and its first log line written. */
  function open(req: ExchangeIncoming, res: ServerResponse | FrontAnswer): PlaneRequest {
    const request = new PlaneRequest(req, requestIdOf(req), trustProxy);
    // The request's span starts as it arrives (the metrics recorder ends it).
    if (tracing.enabled) requestSpanOf(request, tracing);
    const headers: Record<string, string | number | string[]> = securityHeaders ? { ...SECURITY_HEADERS, 'x-request-id': request.id } : { 'x-request-id': request.id };
    const reply = new PlaneReply(res, request, headers, log);
    request.reply = reply;
    if (res instanceof ServerResponse) {
      // Each side carries its plane object (an optional member of the Node objects, by symbol).
      const replyCarrier: ReplyCarrier = res;
      replyCarrier[kPlane] = reply;
      res.once('close', onClose);
    } else {
      res.onClose = () => closed(reply);
    }
    if (requestLog.isLevelEnabled('info')) requestLog.info({ reqId: request.id, req: request }, 'incoming request');
    return request;
  }

  /** As the role's onRequest hook: a request while draining is answered at once, on a closing connection, so the balancer retries elsewhere. */
  function refusedWhileDraining(request: PlaneRequest, reply: PlaneReply): boolean {
    if (!state.draining) return false;
    reply.header('connection', 'close');
    answerError(request, reply, Errors.shuttingDown({}));
    return true;
  }

  function serveRead(req: ExchangeIncoming, answer: FrontAnswer, body: Buffer | undefined, over: boolean): void {
    const request = open(req, answer);
    const reply = request.reply!;
    if (refusedWhileDraining(request, reply)) return;
    if (over) {
      tooLarge(request);
      return;
    }
    if (body !== undefined && BODY_METHODS.has(request.method) && hasBody(req.headers)) {
      request.body = body;
      request.received = body.length;
      // As behind node:http's server (`readBody`): a request with a body runs a turn after it was read, so a
      // parse error or a later request of the same read is met first, as node:http's parser meets it.
      process.nextTick(run, request, reply);
      return;
    }
    run(request, reply);
  }

  function listener(fastify: RequestListener): RequestListener {
    return function listener(req: IncomingMessage, res: ServerResponse): void {
      // A request read behind one whose answer closes the connection: not run, as the llhttp front never reads it.
      if (closing.has(req.socket)) return;
      if (!serves(req)) {
        fastify(req, res);
        return;
      }
      const method = req.method!;
      const request = open(req, res);
      // The request carries its plane object (an optional member of node:http's request, by symbol): its body is read from it.
      const carrier: Carrier = req;
      carrier[kPlane] = request;
      const reply = request.reply!;
      if (refusedWhileDraining(request, reply)) return;
      if (!BODY_METHODS.has(method) || !hasBody(req.headers)) {
        run(request, reply);
        return;
      }
      const declared = Number(req.headers['content-length']);
      if (declared > bodyLimitBytes) {
        tooLarge(request);
        return;
      }
      request.reading = true;
      // The parser pushes the body it already has into the request before the next tick.
      process.nextTick(readBody, req, declared);
    };
  }

  /**
   * A body that came whole with its headers (most calls: one read of the socket) is in the request's
   * buffer by the next tick: taken from there at once, without the stream's flowing mode and its two
   * ticks (`resume`, then `end`) before the handler runs. Whole means all the bytes its Content-Length
   * declares (a length over the limit was refused above), or the message complete. Anything else is
   * read as a stream, as before: a body still arriving, a chunked one the parser has not finished, a
   * request already cut (its `error` goes to `onAborted`).
   */
  function readBody(req: Carrier, declared: number): void {
    const request = req[kPlane]!;
    const buffered = req.readableLength;
    if (!req.destroyed && (buffered === declared || req.complete) && buffered <= bodyLimitBytes) {
      request.reading = false;
      // Paused with the whole body buffered: read() gives it at once (one chunk as is, several joined).
      const body = req.read() as Buffer | null;
      request.received = body === null ? 0 : body.length;
      request.body = body ?? Buffer.alloc(0);
      run(request, request.reply!);
      // The request still ends (`end`, then `close`) as a stream read to its end does, after the handler's start:
      // in an Immediate, queued after the one in which undici writes a call forwarded at once (its idle-socket
      // check), so the stream's ticks run after the upstream request's write instead of before it.
      setImmediate(endRequest, req);
      return;
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAborted);
  }

  function cut(req: ExchangeIncoming, answer: FrontAnswer): void {
    open(req, answer).reading = true;
  }

  return { listener, serves, serveRead, cut };
}

/** Lets a request whose body was taken whole end as a stream read to its end does. */
function endRequest(req: IncomingMessage): void {
  req.resume();
}

/** As Fastify: a request without a content type, a length or a chunked body has no body to read. */
function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['content-type'] !== undefined) return true;
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The front that parses the data plane's connections (ADR 0065): Node's llhttp binding driven here, or node:http's server. */
export type DataPlaneServer = 'llhttp' | 'node';

/** What the llhttp front keeps of node:http's server settings. */
export interface DataPlaneFront {
  server: DataPlaneServer;
  requestTimeoutMs: number;
  /** Loads node:http's internals the front drives: {@link loadFrontInternals} (a test gives a failing one). */
  load: () => FrontInternals | string;
}

/** Fastify's `serverFactory`: the server Fastify would build, with the data plane's listener in front of Fastify's. */
export function dataPlaneServerFactory(deps: DataPlaneDeps, server: { tls: HttpsServerOptions | undefined; http: { headersTimeout: number; connectionsCheckingInterval: number }; front?: DataPlaneFront | undefined }) {
  return (fastify: RequestListener, options: Record<string, unknown>): Server => {
    const plane = dataPlane(deps);
    const listener = plane.listener(fastify);
    const created = server.tls === undefined ? createServer(server.http, listener) : createHttpsServer({ ...server.tls, ...server.http }, listener);
    // What Fastify does to the server it builds (lib/server.js getServerInstance).
    created.keepAliveTimeout = options['keepAliveTimeout'] as number;
    created.requestTimeout = options['requestTimeout'] as number;
    created.setTimeout(options['connectionTimeout'] as number);
    // Plain http only: TLS connections stay node:https's whole.
    if (server.tls === undefined && server.front?.server === 'llhttp') {
      const internals = frontInternals(created, server.front.load);
      if (typeof internals === 'string') {
        deps.log.warn({ reason: internals }, 'the data plane is served through node:http: its llhttp front cannot be used on this Node');
      } else {
        installLlhttpFront(created, {
          ...internals,
          plane,
          headersTimeoutMs: server.http.headersTimeout,
          requestTimeoutMs: server.front.requestTimeoutMs,
          checkingIntervalMs: server.http.connectionsCheckingInterval,
          bodyLimitBytes: deps.bodyLimitBytes,
        });
      }
    }
    return created;
  };
}

/** What the front drives of node:http's internals (node-http-internals.ts), each checked when first loaded. */
export interface FrontInternals {
  llhttp: Llhttp;
  internals: ServerInternals;
}

/** The front's internals, or why the front is not used: a Node whose internals differ, or a server node:http parses leniently. */
function frontInternals(server: Server, load: () => FrontInternals | string): FrontInternals | string {
  if (Reflect.get(server, 'insecureHTTPParser') === true || process.execArgv.includes('--insecure-http-parser') || (process.env['NODE_OPTIONS'] ?? '').includes('--insecure-http-parser')) {
    return 'node:http parses leniently here (insecureHTTPParser)';
  }
  if (server.listenerCount('connection') !== 1) return 'the server has connection listeners of its own';
  return load();
}

/** node:http's internals as this Node has them (node-http-internals.ts checks them once a process). */
export function loadFrontInternals(): FrontInternals | string {
  const llhttp = loadLlhttp();
  if (typeof llhttp === 'string') return llhttp;
  const internals = loadServerInternals();
  return typeof internals === 'string' ? internals : { llhttp, internals };
}
