import { IncomingMessage, ServerResponse, STATUS_CODES, validateHeaderName, validateHeaderValue } from 'node:http';
import type { ServerInternals } from '../node-http-internals.js';
import type { ExchangeIncoming } from './exchange.js';

/**
 * The answer to one plane request behind the llhttp front, in its connection's order: written whole by
 * {@link FrontAnswer.writeWhole}, or by node:http's `ServerResponse` from {@link FrontAnswer.response},
 * never both.
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

/** What an answer needs of its connection (front-connection.ts). */
export interface AnswerHost {
  readonly internals: ServerInternals;
  /** The answer's head (and body) is ready: written now if it is the connection's turn. */
  whole(answer: Answer): void;
  /** The answer asks to cut the connection (now, or when its turn comes). */
  cut(answer: Answer): void;
  /** node:http's response for the answer, on the socket when it is its turn. */
  response(answer: Answer): ServerResponse;
  /** The `Connection`/`Keep-Alive` lines node:http adds to an answer on a connection kept open. */
  keepAliveLines(): string;
}

/** Headers node:http writes its own way or acts on (`_storeHeader`): an answer with one goes through its `ServerResponse`. */
const SPECIAL = new Set(['transfer-encoding', 'expect', 'trailer', 'keep-alive', 'cookie']);
/** node:http's test of a `Connection` value that closes (`RE_CONN_CLOSE`). */
export const CONNECTION_CLOSE = /(?:^|\W)close(?:$|\W)/i;
/**
 * Header names `validateHeaderName` passed: an answer's names are the same few strings call after call, and
 * a set lookup costs a fraction of the token check (docs/perf-journal/gateway-and-fleet-2026-11-27.md,
 * "Per-call cuts after the front became the default"). Bounded (names may be an agent's); past the bound a
 * name is checked each time, as before.
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

/**
 * node:http's request for a response made by the front (a stream, a late `raw`): a real
 * `IncomingMessage` with the plane request's fields, never read (the front read its body).
 */
export function incomingOf(req: ExchangeIncoming): IncomingMessage {
  const incoming = new IncomingMessage(req.socket);
  incoming.method = req.method;
  incoming.url = req.url;
  incoming.httpVersion = req.httpVersion;
  incoming.httpVersionMajor = req.httpVersionMajor;
  incoming.httpVersionMinor = req.httpVersionMinor;
  incoming.headers = req.headers;
  incoming.rawHeaders = req.rawHeaders;
  incoming.complete = true;
  return incoming;
}

/** See {@link FrontAnswer}. */
export class Answer implements FrontAnswer {
  readonly #host: AnswerHost;
  readonly req: ExchangeIncoming;
  /** The request lets the connection stay open after this answer (node:http's `shouldKeepAlive`). */
  readonly keepAlive: boolean;
  res: ServerResponse | undefined;
  /** A head written whole and waiting for its turn (then its body, if any). */
  head: string | undefined;
  body: Buffer | string | undefined;
  headersSent = false;
  /** The connection closes after this answer (node:http's `_last`). */
  last = false;
  cutPending = false;
  /** What {@link response} gives once the answer was written whole. */
  #written: ServerResponse | undefined;
  /** The head written whole, kept for {@link response}. */
  #wroteHead: string | undefined;
  #over = false;
  /** Handed to the socket whole ({@link finished}). */
  #handed = false;
  #closed = false;
  onFinish: (() => void) | undefined;
  onClose: (() => void) | undefined;

  constructor(host: AnswerHost, req: ExchangeIncoming, keepAlive: boolean) {
    this.#host = host;
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
        // A number (a length) has no character node:http's check refuses.
        if (typeof value === 'string') validateHeaderValue(name, value);
        head += `${name}: ${value}\r\n`;
      }
    }
    if (hasBody && !length) return false;
    if (!dated) head += `Date: ${utcDate()}\r\n`;
    if (!connection) {
      if (keepAlive) head += this.#host.keepAliveLines();
      else {
        last = true;
        head += 'Connection: close\r\n';
      }
    }
    this.head = head + '\r\n';
    this.#wroteHead = this.head;
    this.body = hasBody && body !== undefined && body.length > 0 ? body : undefined;
    this.last = last;
    this.headersSent = true;
    this.#host.whole(this);
    return true;
  }

  response(): ServerResponse {
    if (this.res !== undefined) return this.res;
    if (this.headersSent) {
      // Already written whole: a response that says so, on no socket, and writes nothing more; its
      // `finish` and `close` come when the answer's do, as node:http's would (`finished()` on it ends).
      if (this.#written === undefined) {
        const res = new ServerResponse(incomingOf(this.req));
        this.#host.internals.markWritten(res, this.#wroteHead ?? 'HTTP/1.1', this.#handed);
        if (this.#closed) this.#host.internals.close(res);
        this.#written = res;
      }
      return this.#written;
    }
    return this.#host.response(this);
  }

  destroy(): void {
    if (this.#over) return;
    this.cutPending = true;
    this.#host.cut(this);
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
      this.#host.internals.markHanded(written);
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
    if (this.#written !== undefined) this.#host.internals.close(this.#written);
  }
}
