import type { IncomingHttpHeaders } from 'node:http';
import { channel } from 'node:diagnostics_channel';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { checkLlhttp as checkNodeLlhttp, loadLlhttp as loadNodeLlhttp, type Llhttp, type LlhttpParser } from '../../http/index.js';
import { SMALL_BODY_BYTES, type ExchangeAbort, type ExchangeRequest, type UpstreamAnswer } from './upstream-exchange.js';

/**
 * The gateway's HTTP/1.1 client for plain `http:` instances (ADR 0064):
 * keep-alive `net` connections whose answers are parsed by Node's own llhttp
 * binding, `HTTPParser` of `node:_http_common`, the parser node:http's client
 * and server use, strict (no lenient flag): a malformed or smuggling answer
 * (two Content-Lengths, Content-Length with chunked, a bad chunk size, a
 * header over 16 KiB) fails as it fails node:http.
 *
 * Why: undici's client costs a relayed call about 18 µs of CPU more than
 * this one does (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "Relaying with Node's HTTP parser
 * directly"); the relay makes one upstream request per call.
 *
 * It keeps `exchange()`'s contract (upstream-exchange.ts) and undici's
 * behaviour where the forwarder depends on it: the same answer shapes (a
 * small sized answer whole, anything else as a back-pressured stream that
 * aborts the request when destroyed), 1xx answers skipped, the request
 * checks and error codes undici gives (`UND_ERR_INVALID_ARG` for a header
 * a client sent that cannot be framed, `UND_ERR_CONNECT_TIMEOUT`,
 * `UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`, `UND_ERR_SOCKET`,
 * the socket's own `ECONNREFUSED`…, the parser's `HPE_…`), whose
 * classification (attempt-failure.ts, fault-accounting.ts) decides retries
 * and breakers, and its keep-alive rules: an idle connection is kept for the
 * instance's `Keep-Alive: timeout` less 2 s (4 s without one), free again a
 * turn after its answer (an instance's close read with the answer is seen
 * first), never reused after an answer that closes it, and dropped when the
 * instance closes it.
 * Deadlines are checked by one sweep a client (at most once a second), not
 * a timer per request.
 *
 * Not here: TLS and in-process instances (undici keeps them), pipelining,
 * request bodies as streams (the gateway has read the body), Expect, upgrades.
 */

/**
 * Node's llhttp binding, or why it cannot be used: `node:_http_common` is
 * not a documented module, so the one module of `http/` that reaches it
 * checks its shape, its header checks and canned answers (an interim one, a
 * sized and a chunked one, and a smuggling attempt that must fail) before
 * any call relies on it; the router falls back to undici on a reason.
 */
export const loadLlhttp: () => Llhttp | string = loadNodeLlhttp;

/** {@link loadLlhttp}'s check of the module's exports `common` (a test gives an altered one). */
export const checkLlhttp: (common: Record<string, unknown>) => Llhttp | string = checkNodeLlhttp;

/** Options of {@link Http1Upstream}. Durations in ms; each is undici's default when unset. */
export interface Http1UpstreamOptions {
  /** Time to open a connection. Default 10 s. */
  connectTimeoutMs?: number | undefined;
  /** Time from a request's write to its answer's headers. Default 300 s. */
  headersTimeoutMs?: number | undefined;
  /** Longest silence between two chunks of an answer's body. Default 300 s. */
  bodyTimeoutMs?: number | undefined;
}

/**
 * Published when a request has been handed whole to its socket, with
 * `{ request: { origin, method } }`: what undici's `undici:request:bodySent`
 * tells its observers (the tests that pin when the gateway's bookkeeping
 * runs against the upstream write).
 */
export const REQUEST_WRITTEN_CHANNEL = 'agentmesh:upstream:request-written';
const requestWritten = channel(REQUEST_WRITTEN_CHANNEL);

/** undici's keep-alive defaults: an idle connection kept 4 s, or the instance's own timeout less 2 s, at most 10 min. */
const KEEP_ALIVE_DEFAULT_MS = 4_000;
const KEEP_ALIVE_THRESHOLD_MS = 2_000;
const KEEP_ALIVE_MAX_MS = 600_000;
/** The slowest the deadline sweep runs: deadlines are met within about this. */
const SWEEP_MAX_MS = 1_000;

/** Methods whose request has a body by their semantics: a bodiless one still says `content-length: 0` (as undici). */
const PAYLOAD_METHODS = new Set(['PUT', 'POST', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH']);
/** A request path as undici accepts it: visible latin1 only. */
const INVALID_PATH = /[^\u0021-\u00ff]/;
/** A request body written in one piece with its head up to this size; a larger one follows it (one writev). */
const COPY_BODY_BYTES = 16_384;

/** An error with undici's code and name, which the forwarder classifies by code. */
function coded(code: string, name: string, message: string): Error {
  const err = new Error(message) as Error & { code: string };
  err.name = name;
  err.code = code;
  return err;
}

function ignore(): void {}

const invalidArgument = (message: string): Error => coded('UND_ERR_INVALID_ARG', 'InvalidArgumentError', message);

/**
 * What passed the head's checks before, so the usual request is not judged anew
 * (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "Per-call cuts after the front became the default"):
 * - the last long header value that passed the value check: the gateway's own `authorization` (its cached
 *   assertion, one string shared by every call that reuses it, assertion-cache.ts) is most of a request
 *   head's bytes, and checking it anew cost more than the rest of the head together. A value equal to it
 *   passes as it did; any other is checked. Short values are not remembered: checking them costs about what
 *   comparing them would;
 * - header names that are tokens, each with its lower case, and methods that are: a name is the same few
 *   strings call after call, and a lookup costs a fraction of the token check. A bounded number: names are
 *   the client's, and past the bound they are checked each time as before.
 */
class Checked {
  static readonly MIN_VALUE_LENGTH = 64;
  static readonly MAX_NAMES = 256;
  value = '';
  readonly names = new Map<string, string>();
  readonly methods = new Set<string>();
}

/**
 * The head of a request, checked as undici checks it (a client's header that
 * cannot be framed is the client's error, `UND_ERR_INVALID_ARG`, never the
 * instance's); throws.
 */
function requestHead(llhttp: Llhttp, checked: Checked, request: ExchangeRequest, hostHeader: string, bodyLength: number): { head: string; close: boolean } {
  const { method, path, headers } = request;
  if (!checked.methods.has(method)) {
    if (!llhttp.isToken(method)) throw invalidArgument('invalid request method');
    if (checked.methods.size < Checked.MAX_NAMES) checked.methods.add(method);
  }
  if (path.charCodeAt(0) !== 47 || INVALID_PATH.test(path)) throw invalidArgument('invalid request path');
  let host = hostHeader;
  let fields = '';
  // A HEAD's connection is not kept (as undici): an instance that sends a body after its HEAD answer anyway
  // would have that body read as the start of the next call's answer.
  let close = method === 'HEAD';
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalidArgument(`invalid ${name} header`);
    if (value !== checked.value) {
      if (llhttp.hasInvalidChar(value)) throw invalidArgument(`invalid ${name} header`);
      if (value.length >= Checked.MIN_VALUE_LENGTH) checked.value = value;
    }
    let lower = checked.names.get(name);
    if (lower === undefined) {
      lower = name.toLowerCase();
      if (!llhttp.isToken(lower)) throw invalidArgument('invalid header key');
      if (checked.names.size < Checked.MAX_NAMES) checked.names.set(name, lower);
    }
    switch (lower) {
      case 'host':
        host = value;
        continue;
      case 'content-length':
        if (!/^\d+$/.test(value)) throw invalidArgument('invalid content-length header');
        if (Number(value) !== bodyLength && (bodyLength > 0 || PAYLOAD_METHODS.has(method))) throw coded('UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'RequestContentLengthMismatchError', 'Request body length does not match content-length header');
        continue;
      case 'transfer-encoding':
      case 'keep-alive':
      case 'upgrade':
        throw invalidArgument(`invalid ${lower} header`);
      case 'expect':
        throw coded('UND_ERR_NOT_SUPPORTED', 'NotSupportedError', 'expect header not supported');
      case 'connection':
        for (const token of value.toLowerCase().split(',')) {
          const trimmed = token.trim();
          if (!llhttp.isToken(trimmed)) throw invalidArgument('invalid connection header');
          if (trimmed === 'close') close = true;
        }
        continue;
    }
    fields += `${name}: ${value}\r\n`;
  }
  const length = bodyLength > 0 || PAYLOAD_METHODS.has(method) ? `content-length: ${bodyLength}\r\n` : '';
  return { head: `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: ${close ? 'close' : 'keep-alive'}\r\n${fields}${length}\r\n`, close };
}

/**
 * Answer header names as the parser gave them, each with its lower case: an instance answers with the same
 * few names call after call, and a lookup here hands `headersOf` a name the object's key checks find at
 * once, where a fresh string lowered anew was looked up in V8's string table by each check (about a third
 * of `headersOf`, docs/perf-journal/gateway-and-fleet-2026-11-27.md, "Per-call cuts after the front became the default"). Bounded: names are the instances'; past the bound, lowered each time.
 */
const lowerNames = new Map<string, string>();
const MAX_LOWER_NAMES = 256;

function lowerName(name: string): string {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerNames.size < MAX_LOWER_NAMES) lowerNames.set(name, lower);
  }
  return lower;
}

/**
 * Raw header pairs as undici's `parseHeaders` gives them: names lowercased,
 * a repeated header as an array of its values, `__proto__` an own property.
 */
function headersOf(raw: string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const key = lowerName(raw[i]!);
    const value = raw[i + 1]!;
    const prior = Object.hasOwn(headers, key) ? headers[key] : undefined;
    if (prior === undefined) {
      if (key === '__proto__') Object.defineProperty(headers, key, { value, enumerable: true, configurable: true, writable: true });
      else headers[key] = value;
    } else if (typeof prior === 'string') headers[key] = [prior, value];
    else prior.push(value);
  }
  return headers;
}

/** The idle time an instance's `Keep-Alive: timeout=N` allows a connection (undici's rule), or undefined without one. */
function keepAliveMs(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /timeout=(\d+)/.exec(value);
  return match === null ? undefined : Math.min(Number(match[1]) * 1000 - KEEP_ALIVE_THRESHOLD_MS, KEEP_ALIVE_MAX_MS);
}

/** One request in flight; also what {@link ExchangeAbort} stops. */
class Exchange {
  readonly resolve: (answer: UpstreamAnswer) => void;
  readonly reject: (err: unknown) => void;
  readonly head: boolean;
  connection: Connection | undefined;
  status = 0;
  headers: IncomingHttpHeaders = {};
  /** Headers the parser flushed before their end (more than it holds at once). */
  raw: string[] | undefined;
  /** Buffering a small answer: its chunks. */
  chunks: Buffer[] | undefined;
  length = 0;
  /** Streaming a large one. */
  stream: Readable | undefined;
  settled = false;
  /** Over: answered whole, failed or aborted. */
  done = false;

  constructor(resolve: (answer: UpstreamAnswer) => void, reject: (err: unknown) => void, head: boolean) {
    this.resolve = resolve;
    this.reject = reject;
    this.head = head;
  }

  abort(reason: Error): void {
    if (this.done) return;
    if (this.connection !== undefined) this.connection.fail(reason);
    else this.error(reason);
  }

  error(err: Error): void {
    if (this.done) return;
    this.done = true;
    if (this.stream !== undefined) {
      this.stream.destroy(err);
      return;
    }
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }

  settle(answer: UpstreamAnswer): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(answer);
  }
}

/** The connections of one origin. */
class Origin {
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly hostHeader: string;
  /** Kept-alive connections free for a request, the most recent last. */
  readonly idle: Connection[] = [];
  open = 0;

  constructor(key: string, url: URL) {
    this.key = key;
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || '80');
    this.hostHeader = url.host;
  }
}

/** What a connection is waiting for; each has a deadline of its own. */
const Phase = { Idle: 0, Connecting: 1, Headers: 2, Body: 3 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** One keep-alive connection and its parser; serves one request at a time. */
class Connection {
  readonly socket: Socket;
  readonly origin: Origin;
  readonly #client: Http1Upstream;
  readonly #parser: LlhttpParser;
  readonly #kOnMessageBegin: number;
  #exchange: Exchange | undefined;
  phase: Phase = Phase.Connecting;
  /** When the current phase's deadline passes (Date.now()); 0 for none. */
  deadline = 0;
  #connected = false;
  #reusable = true;
  #keepAliveMs = KEEP_ALIVE_DEFAULT_MS;
  /** The answer being parsed is a 1xx: its end is not the request's. */
  #interim = false;
  /** An answer arrived that no request asked for. */
  #unsolicited = false;
  #dead = false;

  constructor(client: Http1Upstream, llhttp: Llhttp, origin: Origin, connectTimeoutMs: number) {
    this.#client = client;
    this.origin = origin;
    this.deadline = connectTimeoutMs > 0 ? Date.now() + connectTimeoutMs : 0;
    const parser = new llhttp.Parser();
    parser.initialize(llhttp.RESPONSE, {}, 0, llhttp.kLenientNone);
    this.#parser = parser;
    this.#kOnMessageBegin = llhttp.kOnMessageBegin;
    parser[llhttp.kOnHeaders] = this.#onHeaders;
    parser[llhttp.kOnHeadersComplete] = this.#onHeadersComplete;
    parser[llhttp.kOnBody] = this.#onBody;
    parser[llhttp.kOnMessageComplete] = this.#onMessageComplete;
    const socket = connect({ host: origin.host, port: origin.port, noDelay: true });
    this.socket = socket;
    socket.on('connect', () => {
      this.#connected = true;
      if (this.phase === Phase.Connecting) this.#enter(Phase.Headers);
    });
    socket.on('data', (data: Buffer) => {
      const parsed = parser.execute(data);
      if (parsed instanceof Error) this.fail(parsed);
      else if (this.#unsolicited) this.fail(coded('UND_ERR_SOCKET', 'SocketError', 'an answer no request asked for'));
    });
    socket.on('end', () => {
      this.#reusable = false;
      // An answer framed by the connection's end is over now.
      const finished = parser.finish();
      this.fail(finished instanceof Error ? finished : coded('UND_ERR_SOCKET', 'SocketError', 'other side closed'));
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => {
      this.fail(coded('UND_ERR_SOCKET', 'SocketError', 'closed'));
      // Here, not in fail(): that can run inside the parser's own callbacks, and close() frees the parser.
      parser.close();
    });
  }

  /** Writes `exchange`'s request; its answer settles it. */
  send(exchange: Exchange, request: ExchangeRequest, head: string, body: Buffer | undefined, close: boolean, headersTimeoutMs: number): void {
    this.#exchange = exchange;
    exchange.connection = this;
    // An answer may begin now (see #onStray).
    this.#parser[this.#kOnMessageBegin] = null;
    if (close) this.#reusable = false;
    if (this.#connected) this.#enter(Phase.Headers, headersTimeoutMs);
    else this.phase = Phase.Connecting;
    const socket = this.socket;
    if (body === undefined || body.length === 0) socket.write(head, 'latin1');
    else if (body.length <= COPY_BODY_BYTES) {
      const bytes = Buffer.allocUnsafe(head.length + body.length);
      bytes.write(head, 0, 'latin1');
      body.copy(bytes, head.length);
      socket.write(bytes);
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body);
      socket.uncork();
    }
    if (requestWritten.hasSubscribers) requestWritten.publish({ request: { origin: request.origin, method: request.method } });
  }

  /** Alive and serving no request. */
  get open(): boolean {
    return !this.#dead && this.#exchange === undefined;
  }

  /** Ends the request in flight with `err` (if any) and the connection with it. */
  fail(err: Error): void {
    const exchange = this.#exchange;
    this.#exchange = undefined;
    this.#die();
    exchange?.error(err);
  }

  /** The sweep found the deadline passed. */
  expire(): void {
    switch (this.phase) {
      case Phase.Idle:
        this.#die();
        return;
      case Phase.Connecting:
        this.fail(coded('UND_ERR_CONNECT_TIMEOUT', 'ConnectTimeoutError', 'Connect Timeout Error'));
        return;
      case Phase.Headers:
        this.fail(coded('UND_ERR_HEADERS_TIMEOUT', 'HeadersTimeoutError', 'Headers Timeout Error'));
        return;
      case Phase.Body:
        // Paused for a reader that lags (back-pressure): the silence is ours, not the instance's (as undici).
        if (this.socket.isPaused()) this.#enter(Phase.Body);
        else this.fail(coded('UND_ERR_BODY_TIMEOUT', 'BodyTimeoutError', 'Body Timeout Error'));
    }
  }

  #enter(phase: Phase, timeoutMs = this.#client.timeoutOf(phase)): void {
    this.phase = phase;
    this.deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
  }

  #die(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#reusable = false;
    this.#client.forget(this);
    this.socket.destroy();
  }

  /**
   * An answer began while no request waits for one: bytes after the last
   * answer, in its read or later, that start another. Left in the parser, the
   * next request's answer would be read after them (as undici, which fails
   * any answer beginning with no request in flight, the connection is
   * dropped). Set only between a request's answer and the next request: one
   * callback of the parser less per call.
   */
  readonly #onStray = (): void => {
    this.#unsolicited = true;
  };

  readonly #onHeaders = (raw: string[]): void => {
    const exchange = this.#exchange;
    if (exchange !== undefined) exchange.raw = exchange.raw === undefined ? raw : exchange.raw.concat(raw);
  };

  readonly #onHeadersComplete = (_major: number, _minor: number, raw: string[] | undefined, _method: unknown, _url: unknown, status: number, _message: unknown, upgrade: boolean, keepAlive: boolean): number => {
    const exchange = this.#exchange;
    // 101 without the headers that make `upgrade` true still stops the parser at its head (the rest is another
    // protocol): left so, the connection would wait for an answer it can no longer read.
    if (exchange === undefined || exchange.status !== 0 || upgrade || status === 101) {
      // No request asked for it (or an upgrade none asked for): the connection is out of step.
      this.#unsolicited = true;
      return 1;
    }
    const pairs = exchange.raw === undefined ? (raw ?? []) : raw === undefined ? exchange.raw : exchange.raw.concat(raw);
    exchange.raw = undefined;
    // 1xx answers come before the real one and end with their head (RFC 9110): a Content-Length or
    // Transfer-Encoding on one frames no body (1: skip it, as node:http's and undici's clients do).
    if (status < 200) {
      this.#interim = true;
      return 1;
    }
    const headers = headersOf(pairs);
    exchange.status = status;
    exchange.headers = headers;
    if (!keepAlive) this.#reusable = false;
    else {
      const allowed = keepAliveMs(headers['keep-alive']);
      if (allowed !== undefined) {
        if (allowed <= 0) this.#reusable = false;
        else this.#keepAliveMs = allowed;
      }
    }
    this.#enter(Phase.Body);
    const length = Number(headers['content-length']);
    if (exchange.head || (length <= SMALL_BODY_BYTES && !String(headers['content-type'] ?? '').startsWith('text/event-stream'))) {
      exchange.chunks = [];
      // A HEAD answer's Content-Length is the GET's: no body follows.
      return exchange.head ? 1 : 0;
    }
    const socket = this.socket;
    const stream = new Readable({
      read: () => {
        if (this.#exchange !== exchange || !socket.isPaused()) return;
        socket.resume();
        // The instance's silence is timed from here: the pause was the reader's.
        this.#enter(Phase.Body);
      },
      destroy: (err, callback) => {
        // The reader left (the client went away): stop reading the instance.
        if (!exchange.done) exchange.abort(err ?? new Error('the answer was abandoned'));
        callback(err);
      },
    });
    // An answer that fails in the read that brought its headers fails its stream before the forwarder holds
    // it: the error waits in the stream (`errored`) for its reader instead of being thrown as unheard.
    stream.on('error', ignore);
    exchange.stream = stream;
    exchange.settle({ statusCode: status, headers, bytes: undefined, body: stream });
    return 0;
  };

  readonly #onBody = (chunk: Buffer): void => {
    const exchange = this.#exchange;
    if (exchange === undefined || exchange.status === 0) return;
    if (this.deadline !== 0) this.#enter(Phase.Body);
    if (exchange.chunks !== undefined) {
      exchange.chunks.push(chunk);
      exchange.length += chunk.length;
      return;
    }
    if (!exchange.stream!.push(chunk)) this.socket.pause();
  };

  readonly #onMessageComplete = (): void => {
    if (this.#interim) {
      this.#interim = false;
      return;
    }
    const exchange = this.#exchange;
    if (exchange === undefined || exchange.status === 0) return;
    this.#exchange = undefined;
    exchange.done = true;
    this.#parser[this.#kOnMessageBegin] = this.#onStray;
    if (this.#reusable && !this.#unsolicited) {
      if (this.socket.isPaused()) this.socket.resume();
      this.#enter(Phase.Idle, this.#keepAliveMs);
      // Free for the next request a turn later, as undici does: an instance's close that came with its answer
      // (its FIN read in the same turn) ends the connection first, and no request is written into it.
      this.#client.releaseNextTurn(this);
    } else this.#die();
    if (exchange.stream !== undefined) {
      exchange.stream.push(null);
      return;
    }
    const chunks = exchange.chunks!;
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, exchange.length);
    exchange.settle({ statusCode: exchange.status, headers: exchange.headers, bytes, body: undefined });
  };
}

/**
 * Requests to plain `http:` origins over kept-alive connections (see the
 * file's header). Made with {@link Http1Upstream.create}, which answers why
 * not when Node's binding is not as this client needs it; `destroy()` when
 * its owner closes.
 *
 * @example
 * const direct = Http1Upstream.create({ connectTimeoutMs: 5_000, headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000 });
 * if (typeof direct === 'string') logger.warn({ reason: direct }, 'relaying through undici');
 * else answer = await direct.exchange({ origin, path, method: 'POST', headers, body }, abort);
 */
export class Http1Upstream {
  readonly #llhttp: Llhttp;
  readonly #checked = new Checked();
  readonly #connectTimeoutMs: number;
  readonly #headersTimeoutMs: number;
  readonly #bodyTimeoutMs: number;
  readonly #sweepMs: number;
  /** By origin string as the forwarder passes it: as many as the instances it routes to, each dropped with its last connection. */
  readonly #origins = new Map<string, Origin>();
  /** Every open connection, for the deadline sweep. */
  readonly #connections: Connection[] = [];
  /** Connections whose answer ended this turn, freed the next. */
  readonly #releasing: Connection[] = [];
  #sweep: NodeJS.Timeout | undefined;
  #destroyed = false;

  private constructor(llhttp: Llhttp, options: Http1UpstreamOptions) {
    this.#llhttp = llhttp;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#headersTimeoutMs = options.headersTimeoutMs ?? 300_000;
    this.#bodyTimeoutMs = options.bodyTimeoutMs ?? 300_000;
    const shortest = Math.min(this.#connectTimeoutMs || SWEEP_MAX_MS, this.#headersTimeoutMs || SWEEP_MAX_MS, this.#bodyTimeoutMs || SWEEP_MAX_MS, KEEP_ALIVE_DEFAULT_MS);
    this.#sweepMs = Math.max(10, Math.min(SWEEP_MAX_MS, Math.floor(shortest / 4)));
  }

  /** The client, or why Node's HTTP parser binding cannot serve it (then relay through undici). */
  static create(options: Http1UpstreamOptions = {}): Http1Upstream | string {
    const llhttp = loadLlhttp();
    return typeof llhttp === 'string' ? llhttp : new Http1Upstream(llhttp, options);
  }

  /** One request to `request.origin` (a plain `http:` origin): `exchange()`'s contract. */
  exchange(request: ExchangeRequest, abort: ExchangeAbort): Promise<UpstreamAnswer> {
    return new Promise((resolve, reject) => {
      const exchange = new Exchange(resolve, reject, request.method === 'HEAD');
      abort.attach(exchange);
      if (exchange.done) return;
      if (this.#destroyed) return exchange.error(coded('UND_ERR_DESTROYED', 'ClientDestroyedError', 'The client is destroyed'));
      const origin = this.#originOf(request.origin);
      const body = request.body === null ? undefined : typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
      let framed: { head: string; close: boolean };
      try {
        framed = requestHead(this.#llhttp, this.#checked, request, origin.hostHeader, body?.length ?? 0);
      } catch (err) {
        // Nothing was opened for a request refused before its write: an origin named only by refused requests is not kept.
        if (origin.open === 0) this.#origins.delete(origin.key);
        return exchange.error(err as Error);
      }
      let connection = origin.idle.pop();
      // Past its keep-alive, though the sweep (up to a second late) has not dropped it yet: the instance may be
      // closing it now, and a request written into that close fails where a new connection would not.
      if (connection !== undefined && connection.deadline !== 0) {
        const now = Date.now();
        while (connection !== undefined && now >= connection.deadline) {
          connection.expire();
          connection = origin.idle.pop();
        }
      }
      connection ??= this.#open(origin);
      connection.send(exchange, request, framed.head, body, framed.close, this.#headersTimeoutMs);
    });
  }

  /** Closes every connection; requests in flight fail. */
  destroy(): Promise<void> {
    this.#destroyed = true;
    for (const connection of [...this.#connections]) connection.fail(coded('UND_ERR_DESTROYED', 'ClientDestroyedError', 'The client is destroyed'));
    return Promise.resolve();
  }

  /** @internal A connection whose answer was whole: it may carry the next request from the next turn on (see `#release`). */
  releaseNextTurn(connection: Connection): void {
    this.#releasing.push(connection);
    if (this.#releasing.length === 1) setImmediate(this.#release);
  }

  /** Frees the connections whose answers ended last turn and that are still open: one Immediate for all of them. */
  readonly #release = (): void => {
    const releasing = this.#releasing;
    for (let i = 0; i < releasing.length; i++) {
      const connection = releasing[i]!;
      if (!connection.open) continue;
      if (this.#destroyed) connection.fail(coded('UND_ERR_DESTROYED', 'ClientDestroyedError', 'The client is destroyed'));
      else connection.origin.idle.push(connection);
    }
    releasing.length = 0;
  };

  /** @internal A connection that is closing. */
  forget(connection: Connection): void {
    const origin = connection.origin;
    const idleAt = origin.idle.indexOf(connection);
    if (idleAt >= 0) origin.idle.splice(idleAt, 1);
    const at = this.#connections.indexOf(connection);
    if (at < 0) return;
    this.#connections.splice(at, 1);
    if (--origin.open === 0) this.#origins.delete(origin.key);
    if (this.#connections.length === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  /** @internal How many origins the client keeps (those with a connection open or opening). */
  get originCount(): number {
    return this.#origins.size;
  }

  /** @internal The deadline of a phase a connection enters. */
  timeoutOf(phase: Phase): number {
    return phase === Phase.Headers ? this.#headersTimeoutMs : phase === Phase.Body ? this.#bodyTimeoutMs : phase === Phase.Connecting ? this.#connectTimeoutMs : KEEP_ALIVE_DEFAULT_MS;
  }

  #originOf(key: string): Origin {
    let origin = this.#origins.get(key);
    if (origin === undefined) {
      origin = new Origin(key, new URL(key));
      this.#origins.set(key, origin);
    }
    return origin;
  }

  #open(origin: Origin): Connection {
    const connection = new Connection(this, this.#llhttp, origin, this.#connectTimeoutMs);
    origin.open++;
    this.#connections.push(connection);
    this.#sweep ??= setInterval(this.#expire, this.#sweepMs).unref();
    return connection;
  }

  readonly #expire = (): void => {
    const now = Date.now();
    for (const connection of [...this.#connections]) if (connection.deadline !== 0 && now >= connection.deadline) connection.expire();
  };
}
