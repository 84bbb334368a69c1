import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { duplexPair, type Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { isRecord } from '../protocol/index.js';

/**
 * The one place agentmesh reaches into node:http's undocumented internals (ADR 0069): Node's llhttp
 * binding (`HTTPParser` of `node:_http_common`, its header checks and method names), node:http's rule
 * for building `req.headers` (`IncomingMessage#_addHeaderLine` of `node:_http_incoming`), and the
 * fields of a `ServerResponse` node:http's server sets that have no public setter, and its server's
 * switch that lets a client's half-close leave its answers to come (`httpAllowHalfOpen`). None is documented,
 * so each is checked by what it does, on canned input, before anything relies on it; a caller that gets
 * a reason instead falls back to a public way (the data plane's llhttp front to node:http's server, the
 * gateway's upstream client to undici) and logs that reason once.
 */

/** An error the binding returns: node:http hands it to `clientError` as is. */
export type ParseError = Error & { code?: string; reason?: string; bytesParsed?: number; rawPacket?: Buffer };

/** One parser of Node's llhttp binding. */
export interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | ParseError;
  finish(): undefined | ParseError;
  resume(): void;
  close(): void;
  /**
   * How many header names and values (each one entry) a message may have: one more is the binding's
   * `HPE_HEADER_OVERFLOW`. node:http's server gives each parser {@link Llhttp.maxHeaderPairs}.
   */
  maxHeaderPairs?: number;
  [slot: number]: unknown;
}

/** Node's llhttp binding, checked. */
export interface Llhttp {
  Parser: new () => LlhttpParser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kLenientNone: number;
  /**
   * What `kOnHeadersComplete` returns to stop the parser at the end of a head without changing how it
   * reads what follows (llhttp's `HPE_PAUSED`): `execute` then returns an `HPE_PAUSED` error whose
   * `bytesParsed` is where the head ends, and `resume()` lets it go on with the body.
   */
  pauseAtHead: number;
  /** node:http's `maxHeaderPairs` of a server's parser: its `maxHeadersCount` (2,000 by default) counted as names and values. */
  maxHeaderPairs: number;
  /** Method names by the index `kOnHeadersComplete` reports. */
  methods: readonly string[];
  /** node:http's header name check (`_checkIsHttpToken`). */
  isToken: (name: string) => boolean;
  /** node:http's header value check (`_checkInvalidHeaderChar`): true for a value it refuses. */
  hasInvalidChar: (value: string) => boolean;
}

/** What the data plane's front needs of node:http's server side besides the parser. */
export interface ServerInternals {
  /** node:http's rule for building `req.headers` from the raw pairs (duplicates dropped, joined or listed). */
  addHeaderLine(field: string, value: string, dest: Record<string, unknown>): void;
  /** What node:http's server gives each response: the `Keep-Alive: timeout=` its head carries on a kept connection. */
  setKeepAliveTimeout(res: ServerResponse, ms: number): void;
  /** The response's head said the connection closes after it (node:http's `_last`). */
  closesConnection(res: ServerResponse): boolean;
  /** The last write was refused (node:http's `kNeedDrain`): true once, then cleared, as node:http's server re-emits `drain`. */
  takeNeedDrain(res: ServerResponse): boolean;
  /** Makes `res` tell of an answer written without it: its head sent, ended, and (with `handed`) its last byte with the socket. */
  markWritten(res: ServerResponse, head: string, handed: boolean): void;
  /** Marks `res`, made by {@link ServerInternals.markWritten}, as handed to the socket (node:http's `writableFinished`). */
  markHanded(res: ServerResponse): void;
  /** Ends `res` as node:http's server ends a response whose answer is over or whose connection closed: destroyed, closed, `close` emitted once. */
  close(res: ServerResponse): void;
  /** `server` lets a client's half-close leave its answers to come (node:http's `httpAllowHalfOpen`, {@link loadHalfOpen}). */
  allowsHalfOpen(server: Server): boolean;
}

const REQUIRE = createRequire(import.meta.url);

/** Loads a built-in module or says why it cannot be. */
function builtin(name: string): Record<string, unknown> | string {
  try {
    const loaded: unknown = REQUIRE(name);
    return isRecord(loaded) ? loaded : `${name} has no exports object`;
  } catch (err) {
    return `${name} cannot be loaded (${err instanceof Error ? err.message : String(err)})`;
  }
}

let llhttpLoaded: Llhttp | string | undefined;
let serverLoaded: ServerInternals | string | undefined;

/** Node's llhttp binding, checked once a process, or why it cannot be used. */
export function loadLlhttp(): Llhttp | string {
  if (llhttpLoaded === undefined) {
    const common = builtin('node:_http_common');
    llhttpLoaded = typeof common === 'string' ? common : checkLlhttp(common);
  }
  return llhttpLoaded;
}

/** node:http's server internals the front needs, checked once a process, or why they cannot be used. */
export function loadServerInternals(): ServerInternals | string {
  if (serverLoaded === undefined) {
    const incoming = builtin('node:_http_incoming');
    serverLoaded = typeof incoming === 'string' ? incoming : checkServerInternals(incoming);
  }
  return serverLoaded;
}

const SLOTS = ['REQUEST', 'RESPONSE', 'kOnMessageBegin', 'kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete', 'kLenientNone'] as const;
/** llhttp's `HPE_PAUSED` (llhttp.h), which the binding does not export: {@link checkLlhttp} proves it. */
const HPE_PAUSED = 21;
/** node:http's default `maxHeadersCount` (2,000) as its parsers count it: names and values apart (`_http_common`'s `MAX_HEADER_PAIRS`). */
const MAX_HEADER_PAIRS = 2_000;

/**
 * {@link loadLlhttp}'s check of the exports `common` of `node:_http_common`: their shape, then canned
 * requests and answers parsed, every verdict compared with what node:http's server and client reached
 * on the same bytes on Node 24.21 (the line ADR 0031 pins), and the two header checks judged.
 */
export function checkLlhttp(common: Record<string, unknown>): Llhttp | string {
  const P = common['HTTPParser'];
  const { methods, _checkIsHttpToken: isToken, _checkInvalidHeaderChar: hasInvalidChar } = common;
  if (typeof P !== 'function' || !Array.isArray(methods) || typeof isToken !== 'function' || typeof hasInvalidChar !== 'function') return 'node:_http_common has no HTTPParser, methods or header checks';
  for (const name of SLOTS) if (typeof Reflect.get(P, name) !== 'number') return `HTTPParser.${name} is not a number`;
  for (const name of ['initialize', 'execute', 'finish', 'resume', 'close']) if (typeof Reflect.get(P.prototype as object, name) !== 'function') return `HTTPParser has no ${name}()`;
  const number = (name: (typeof SLOTS)[number]): number => Number(Reflect.get(P, name));
  const llhttp: Llhttp = {
    Parser: P as Llhttp['Parser'],
    REQUEST: number('REQUEST'),
    RESPONSE: number('RESPONSE'),
    kOnMessageBegin: number('kOnMessageBegin'),
    kOnHeaders: number('kOnHeaders'),
    kOnHeadersComplete: number('kOnHeadersComplete'),
    kOnBody: number('kOnBody'),
    kOnMessageComplete: number('kOnMessageComplete'),
    kLenientNone: number('kLenientNone'),
    pauseAtHead: HPE_PAUSED,
    maxHeaderPairs: MAX_HEADER_PAIRS,
    methods: methods.map(String),
    isToken: isToken as Llhttp['isToken'],
    hasInvalidChar: hasInvalidChar as Llhttp['hasInvalidChar'],
  };
  try {
    for (const [name, valid] of TOKENS) if (llhttp.isToken(name) !== valid) return `_checkIsHttpToken judges ${JSON.stringify(name)} otherwise than node:http did`;
    for (const [value, invalid] of VALUES) if (llhttp.hasInvalidChar(value) !== invalid) return `_checkInvalidHeaderChar judges ${JSON.stringify(value)} otherwise than node:http did`;
    for (const canned of CANNED) {
      const seen = parseCanned(llhttp, canned);
      if (seen !== canned.seen) return `HTTPParser reports a canned ${canned.mode === 'RESPONSE' ? 'answer' : 'request'} otherwise than node:http did (${JSON.stringify(seen)})`;
    }
  } catch (err) {
    return `HTTPParser failed a canned message (${err instanceof Error ? err.message : String(err)})`;
  }
  return llhttp;
}

/** Header names and values the two checks must judge as node:http does: they alone keep a header from splitting a message. */
const TOKENS: ReadonlyArray<[string, boolean]> = [['x-ok', true], ['a b', false], ['a:', false], ['a\r\n', false], ['', false]];
const VALUES: ReadonlyArray<[string, boolean]> = [['ok \t\u00e9', false], ['a\r\nb: 1', true], ['a\nb', true], ['a\rb', true], ['a\u0000', true], ['\u0100', true]];

/**
 * One canned message and what the binding must report for it: the callbacks, `pause` where a head was
 * stopped at, then resumed (`kOnHeadersComplete` answering with `ret`), and the error code node:http met.
 */
interface Canned {
  mode: 'REQUEST' | 'RESPONSE';
  bytes: string;
  seen: string;
  ret?: number;
  /** The parser's `maxHeaderPairs`, as node:http's server sets it. */
  pairs?: number;
}

/** A GET with `count` headers (Host among them), each a few bytes: under the header size limit. */
function manyHeaders(count: number): string {
  return `GET / HTTP/1.1\r\n${H}${Array.from({ length: count - 1 }, (_, i) => `x${i}:${i}\r\n`).join('')}\r\n`;
}

const H = 'Host: h\r\n';
const CANNED: readonly Canned[] = [
  // Two plain requests on one connection, a sized and a chunked body; an HTTP/1.0 one.
  {
    mode: 'REQUEST',
    bytes: `POST /agents/a HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nokPOST /agents/b?x=1 HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n`,
    seen: 'begin,POST,/agents/a,Host|h|Content-Length|2,1.1,true,false,ok,end,begin,POST,/agents/b?x=1,Host|h|Transfer-Encoding|chunked,1.1,true,false,hi,end',
  },
  { mode: 'REQUEST', bytes: `GET /agents/a HTTP/1.0\r\n${H}\r\n`, seen: 'begin,GET,/agents/a,Host|h,1.0,false,false,end' },
  // Smuggling attempts node:http refuses: two Content-Lengths, a signed one, Content-Length with chunked,
  // chunked not last, a bad chunk size, a header without a colon, a bare LF in a value, data after `close`.
  { mode: 'REQUEST', bytes: `POST / HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nok`, seen: 'begin,HPE_UNEXPECTED_CONTENT_LENGTH' },
  { mode: 'REQUEST', bytes: `POST / HTTP/1.1\r\n${H}Content-Length: +2\r\n\r\nok`, seen: 'begin,HPE_INVALID_CONTENT_LENGTH' },
  { mode: 'REQUEST', bytes: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, seen: 'begin,HPE_INVALID_TRANSFER_ENCODING' },
  { mode: 'REQUEST', bytes: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`, seen: 'begin,HPE_INVALID_TRANSFER_ENCODING' },
  { mode: 'REQUEST', bytes: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, seen: 'begin,POST,/,Host|h|Transfer-Encoding|chunked,1.1,true,false,HPE_INVALID_CHUNK_SIZE' },
  { mode: 'REQUEST', bytes: `GET / HTTP/1.1\r\n${H}NoColon\r\n\r\n`, seen: 'begin,HPE_INVALID_HEADER_TOKEN' },
  { mode: 'REQUEST', bytes: `GET / HTTP/1.1\r\n${H}X: a\nb\r\n\r\n`, seen: 'begin,HPE_CR_EXPECTED' },
  { mode: 'REQUEST', bytes: `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n`, seen: 'begin,GET,/,Host|h|Connection|close,1.1,false,false,end,HPE_CLOSED_CONNECTION' },
  // node:http's count of headers: a request with more than 1,000 (2,000 names and values) is refused, whatever their size.
  { mode: 'REQUEST', pairs: MAX_HEADER_PAIRS, bytes: manyHeaders(1_000), seen: 'begin,GET,,2000 entries,1.1,true,false,end' },
  { mode: 'REQUEST', pairs: MAX_HEADER_PAIRS, bytes: manyHeaders(1_001), seen: 'begin,HPE_HEADER_OVERFLOW' },
  // The front's two ways of stopping at a head: as an upgrade (2: no body, the parser starts again), and
  // paused (the body then read as the head said: here a Transfer-Encoding a request may not have).
  { mode: 'REQUEST', ret: 2, bytes: `POST / HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nok`, seen: 'begin,POST,/,Host|h|Content-Length|2,1.1,true,false,end,parsed 47' },
  { mode: 'REQUEST', ret: HPE_PAUSED, bytes: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n`, seen: 'begin,POST,/,Host|h|Transfer-Encoding|chunked,1.1,true,false,pause 56,hi,end' },
  { mode: 'REQUEST', ret: HPE_PAUSED, bytes: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n2\r\nhi\r\n0\r\n\r\n`, seen: 'begin,POST,/,Host|h|Transfer-Encoding|gzip,1.1,true,false,pause 53,HPE_INVALID_TRANSFER_ENCODING' },
  // The front's shadow of a chunked body (front-chunked-end.ts): a message that asks for an upgrade stops where its body ends.
  {
    mode: 'REQUEST',
    bytes: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nConnection: upgrade\r\nUpgrade: end\r\n\r\n2\r\nhi\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`,
    seen: 'begin,POST,/,Host|h|Transfer-Encoding|chunked|Connection|upgrade|Upgrade|end,1.1,true,true,hi,end,parsed 111',
  },
  // The upstream client's: an interim answer skipped, a sized and a chunked one; two Content-Lengths refused.
  {
    mode: 'RESPONSE',
    bytes: 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    seen: 'begin,103,Link|</a>,true,end,begin,200,Content-Length|2,true,ok,end,begin,201,Transfer-Encoding|chunked,true,hi,end',
  },
  { mode: 'RESPONSE', bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', seen: 'begin,HPE_UNEXPECTED_CONTENT_LENGTH' },
];

function parseCanned(llhttp: Llhttp, canned: Canned): string {
  const seen: unknown[] = [];
  const parser = new llhttp.Parser();
  parser.initialize(llhttp[canned.mode], {}, 0, llhttp.kLenientNone);
  if (canned.pairs !== undefined) parser.maxHeaderPairs = canned.pairs;
  let flushed: unknown[] = [];
  parser[llhttp.kOnMessageBegin] = () => seen.push('begin');
  parser[llhttp.kOnHeaders] = (headers: unknown) => {
    if (Array.isArray(headers)) flushed = flushed.concat(headers);
  };
  parser[llhttp.kOnHeadersComplete] = (major: number, minor: number, raw: unknown, method: number, url: unknown, status: unknown, _m: unknown, upgrade: unknown, keepAlive: unknown) => {
    const pairs = raw === undefined ? `${flushed.length} entries` : Array.isArray(raw) ? raw.join('|') : typeof raw;
    if (canned.mode === 'RESPONSE') seen.push(status, pairs, keepAlive);
    else seen.push(llhttp.methods[method], url, pairs, `${major}.${minor}`, keepAlive, upgrade);
    return canned.ret ?? 0;
  };
  parser[llhttp.kOnBody] = (chunk: unknown) => seen.push(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : typeof chunk);
  parser[llhttp.kOnMessageComplete] = () => seen.push('end');
  const bytes = Buffer.from(canned.bytes, 'latin1');
  let result = parser.execute(bytes);
  if (result instanceof Error && result.code === 'HPE_PAUSED' && typeof result.bytesParsed === 'number') {
    const at = result.bytesParsed;
    seen.push(`pause ${at}`);
    parser.resume();
    result = parser.execute(bytes.subarray(at));
    if (typeof result === 'number') result += at;
  }
  parser.close();
  if (result instanceof Error) seen.push(result.code);
  else if (result !== bytes.length) seen.push(`parsed ${result}`);
  return seen.join(',');
}

/**
 * {@link loadServerInternals}'s check, given the exports `incoming` of `node:_http_incoming`: node:http's
 * header rule on canned pairs, and each `ServerResponse` field on a response written to a socket that
 * keeps what it is given, its head compared with node:http's.
 */
export function checkServerInternals(incoming: Record<string, unknown>): ServerInternals | string {
  const Incoming = incoming['IncomingMessage'];
  const addHeaderLine: unknown = typeof Incoming === 'function' ? Reflect.get(Incoming.prototype as object, '_addHeaderLine') : undefined;
  if (typeof addHeaderLine !== 'function') return 'node:_http_incoming has no IncomingMessage#_addHeaderLine';
  const needDrain = Object.getOwnPropertySymbols(new ServerResponse(new IncomingMessage(new Socket()))).find((symbol) => symbol.description === 'kNeedDrain');
  const writableFinished = Object.getOwnPropertySymbols(new ServerResponse(new IncomingMessage(new Socket()))).find((symbol) => symbol.description === 'kWritableFinished');
  if (needDrain === undefined || writableFinished === undefined) return 'ServerResponse has no kNeedDrain or kWritableFinished mark';
  // Private fields, read and set by name: `Reflect` takes any object, so no type is bent to reach them.
  const internals: ServerInternals = {
    addHeaderLine: (field, value, dest) => Reflect.apply(addHeaderLine, NO_JOIN, [field, value, dest]),
    setKeepAliveTimeout: (res, ms) => Reflect.set(res, '_keepAliveTimeout', ms),
    closesConnection: (res) => Reflect.get(res, '_last') === true,
    takeNeedDrain: (res) => !res.finished && Reflect.get(res, needDrain) === true && Reflect.set(res, needDrain, false),
    markWritten: (res, head, handed) => {
      Reflect.set(res, '_header', head);
      Reflect.set(res, '_headerSent', true);
      res.finished = true;
      Reflect.set(res, writableFinished, handed);
    },
    markHanded: (res) => Reflect.set(res, writableFinished, true),
    close: (res) => {
      if (res.closed) return;
      Reflect.set(res, 'destroyed', true);
      Reflect.set(res, '_closed', true);
      res.emit('close');
    },
    allowsHalfOpen: (server) => Reflect.get(server, HALF_OPEN) === true,
  };
  try {
    return selfTest(internals) ?? internals;
  } catch (err) {
    return `node:http's response failed a canned answer (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** `_addHeaderLine`'s receiver: node:http's default (`joinDuplicateHeaders` off). */
const NO_JOIN = Object.freeze({ joinDuplicateHeaders: false });

/** A socket that keeps what is written to it, and refuses (back-pressure) once `full`. */
class KeepingSocket extends Socket {
  written = '';
  full = false;
  override write(chunk: Uint8Array | string, encoding?: BufferEncoding | ((err?: Error | null) => void), callback?: (err?: Error | null) => void): boolean {
    this.written += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    (typeof encoding === 'function' ? encoding : callback)?.();
    return !this.full;
  }
}

function cannedResponse(keepAlive: boolean): { res: ServerResponse; socket: KeepingSocket } {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  const res = new ServerResponse(req);
  res.shouldKeepAlive = keepAlive;
  const socket = new KeepingSocket();
  res.assignSocket(socket);
  return { res, socket };
}

/** Each response field does what node:http's server relies on it for, or the reason it does not. */
function selfTest(internals: ServerInternals): string | undefined {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of [['Host', 'a'], ['host', 'b'], ['X-A', '1'], ['x-a', '2'], ['Cookie', 'c=1'], ['cookie', 'd=2'], ['Set-Cookie', 's']]) internals.addHeaderLine(name!, value!, headers);
  if (JSON.stringify(headers) !== '{"host":"a","x-a":"1, 2","cookie":"c=1; d=2","set-cookie":["s"]}') return 'IncomingMessage builds headers otherwise than expected';
  const kept = cannedResponse(true);
  internals.setKeepAliveTimeout(kept.res, 5_000);
  kept.res.writeHead(200, { 'content-length': 2 }).end('ok');
  if (!/\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nok$/.test(kept.socket.written) || internals.closesConnection(kept.res)) return 'ServerResponse keeps a connection otherwise than expected';
  const closing = cannedResponse(false);
  closing.res.writeHead(200, { 'content-length': 0 }).end();
  const asked = cannedResponse(true);
  asked.res.writeHead(200, { 'content-length': 0, connection: 'close' }).end();
  if (!/\r\nConnection: close\r\n\r\n$/.test(closing.socket.written) || !internals.closesConnection(closing.res) || !internals.closesConnection(asked.res)) return 'ServerResponse closes a connection otherwise than expected';
  const refused = cannedResponse(true);
  refused.socket.full = true;
  refused.res.writeHead(200, { 'content-type': 'text/plain' });
  if (refused.res.write('x') || !internals.takeNeedDrain(refused.res) || internals.takeNeedDrain(refused.res)) return 'ServerResponse marks a refused write otherwise than expected';
  const written = new ServerResponse(new IncomingMessage(new Socket()));
  internals.markWritten(written, 'HTTP/1.1 200 OK\r\n\r\n', false);
  if (!written.headersSent || !written.writableEnded || written.writableFinished) return 'ServerResponse reports an answer written elsewhere otherwise than expected';
  internals.markHanded(written);
  if (!written.writableFinished) return 'ServerResponse reports an answer handed to its socket otherwise than expected';
  let closes = 0;
  written.on('close', () => closes++);
  internals.close(written);
  internals.close(written);
  if (!written.closed || !written.destroyed || closes !== 1) return 'ServerResponse reports a closed answer otherwise than expected';
  const server = createServer();
  if (internals.allowsHalfOpen(server) || !Reflect.set(server, HALF_OPEN, true) || !internals.allowsHalfOpen(server)) return "node:http's server reports its half-open switch otherwise than expected";
  return undefined;
}

/**
 * node:http's server switch, by name: at a client's end (`socketOnEnd`), off (its default) ends the
 * connection whatever is still to be answered; on, the last answer still to come closes it.
 */
const HALF_OPEN = 'httpAllowHalfOpen';

/** node:http's half-open switch, checked: what turns it on for a server. */
export interface HalfOpen {
  /**
   * A client of `server` that half-closes (FIN after its requests) still gets their answers, and the
   * connection closes after the last; a FIN read while a streamed answer is being written ends that
   * stream's connection, as node:http's default does (see {@link endStreamAtFin}).
   */
  allow(server: Server): void;
}

/** The switch turned on, and a client's FIN watched for a stream it cuts short (on the TLS socket, for https). */
function allowHalfOpenOn(server: Server): void {
  Reflect.set(server, HALF_OPEN, true);
  server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', (socket: Duplex) => socket.on('end', () => endStreamAtFin(socket)));
}

/**
 * A FIN read while a streamed answer is being written (its head out, its end not yet given: an event
 * stream, a relayed body) ends the connection there, as node:http's default ends it: a client that
 * goes away sends no more than a FIN, and a stream with nothing to write for a while (a task that
 * reports nothing) would otherwise hold its connection, and whatever feeds it, until its next write met
 * the client's reset. An answer not begun, or given whole, is written. The answer holding the socket is
 * node:http's `socket._httpMessage` (the llhttp front gives the socket to a `ServerResponse` for every
 * stream the same way); this runs after node:http's own end listener, and the front's.
 */
function endStreamAtFin(socket: Duplex): void {
  const res: unknown = Reflect.get(socket, '_httpMessage');
  if (res instanceof ServerResponse && res.headersSent && !res.writableEnded && socket.writable) socket.end();
}

let halfOpenLoaded: Promise<HalfOpen | string> | undefined;

/** node:http's half-open switch, checked once a process by what it does, or why it cannot be used. */
export function loadHalfOpen(): Promise<HalfOpen | string> {
  halfOpenLoaded ??= checkHalfOpen({ allow: allowHalfOpenOn });
  return halfOpenLoaded;
}

/** How long {@link checkHalfOpen}'s canned exchange, all of it in memory, may take before the switch is judged not to work. */
const HALF_OPEN_CHECK_MS = 2_000;

/**
 * {@link loadHalfOpen}'s check of `halfOpen`: node:http's switch is off by default on a server, and a
 * server `halfOpen.allow` turned on, over in-memory connections whose client half-closes, answers a
 * request whose answer was given after the FIN was read, then closes; and ends the connection of a
 * stream whose head was out when the FIN was read, its next chunk unwritten. Node 24 has no public
 * option for this (`http.createServer` ignores an `httpAllowHalfOpen` given to it).
 */
export async function checkHalfOpen(halfOpen: HalfOpen): Promise<HalfOpen | string> {
  const server = createServer();
  if (Reflect.get(server, HALF_OPEN) !== false) return `node:http's server has no ${HALF_OPEN} switch`;
  if (Reflect.get(server, 'allowHalfOpen') !== true) return "node:http's server does not keep a half-closed connection open";
  // Each answer is given once the server has read the client's FIN, as by a handler slower than the client's write.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const answer = (): void => {
      if (req.url === '/stream') res.write('b');
      res.end('ok');
    };
    if (req.url === '/stream') res.writeHead(200, { 'content-type': 'text/plain' }).write('a');
    if (req.socket.readableEnded) answer();
    else req.socket.once('end', () => setImmediate(answer));
  });
  halfOpen.allow(server);
  const whole = await cannedHalfClose(server, '/whole');
  if (whole === '') return `node:http's server with ${HALF_OPEN} on ended a half-closed connection without its answer`;
  if (whole === undefined) return `node:http's server with ${HALF_OPEN} on neither answered nor closed a half-closed connection`;
  if (!/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\nContent-Length: 2\r\n\r\nok$/.test(whole)) return `node:http's server with ${HALF_OPEN} on answered a half-closed connection otherwise than expected (${JSON.stringify(whole.slice(0, 40))})`;
  const stream = await cannedHalfClose(server, '/stream');
  if (stream === undefined || !/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n1\r\na\r\n$/.test(stream)) return `node:http's server with ${HALF_OPEN} on did not end a stream at its client's FIN (${JSON.stringify(stream?.slice(-40))})`;
  return halfOpen;
}

/** `GET path` sent to `server` over an in-memory connection, then a FIN: what came back before the server closed it (undefined: it did not). */
async function cannedHalfClose(server: Server, path: string): Promise<string | undefined> {
  const [client, served] = duplexPair();
  served.on('error', ignore);
  client.on('error', ignore);
  const chunks: Buffer[] = [];
  client.on('data', (chunk: Buffer) => chunks.push(chunk));
  let timer: NodeJS.Timeout | undefined;
  const over = await new Promise<boolean>((resolve) => {
    client.once('end', () => resolve(true));
    client.once('close', () => resolve(true));
    timer = setTimeout(() => resolve(false), HALF_OPEN_CHECK_MS);
    server.emit('connection', served);
    client.end(`GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`);
  });
  clearTimeout(timer);
  client.destroy();
  served.destroy();
  return over ? Buffer.concat(chunks).toString('latin1') : undefined;
}

function ignore(): void {}
