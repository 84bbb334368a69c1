import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { LlhttpParser, ParseError } from '../node-http-internals.js';
import { Answer } from './front-answer.js';
import { FrontAnswerQueue, MAX_QUEUED } from './front-answer-queue.js';
import { ChunkedEnd } from './front-chunked-end.js';
import type { ExchangeIncoming } from './exchange.js';
import { requestOf, type FrontOptions } from './front-plane.js';

const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);
/** A sized body cut by the client's end: what node:http's parser says of it (`finish()`), asked of a parser left in that state. */
const CUT_SIZED_BODY = Buffer.from('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n', 'latin1');

/**
 * Who reads the next bytes: the parser (a head, or a request it reads whole), the front (a sized body),
 * the parser up to a chunked body's end, nobody while the connection waits to go to node:http
 * (`leaving`), or nobody ever again (`stopped`).
 */
type Mode = 'parser' | 'sized' | 'chunked' | 'leaving' | 'stopped';
/** Where `kOnHeadersComplete` stopped the parser: at a sized body, at a chunked one, at a request that is node:http's, at a body refused. */
type Stop = 'sized' | 'chunked' | 'leave' | 'refused' | undefined;

/**
 * One connection parsed by the front (llhttp-front.ts says what it keeps of node:http's server). The
 * parser is always given bytes from a known place: a request's first byte, or where its head or body
 * ended (it stops at each head it hands on, `kOnHeadersComplete`'s answer), so a request that is
 * node:http's goes to node:http from its first byte, and nothing of a request is kept past its head.
 */
export class FrontConnection extends FrontAnswerQueue {
  readonly #o: FrontOptions;
  readonly #open: Set<FrontConnection>;
  readonly #parser: LlhttpParser;
  readonly #resource = {};
  readonly #maxHeaderSize: number;
  #mode: Mode = 'parser';
  #stop: Stop;
  // The request being read.
  #inMessage = false;
  #began = 0;
  #headersDone = false;
  /** Its head's bytes from reads before the current one (a head that came in several reads), for a hand-over. */
  #kept: Buffer | undefined;
  #keptLength = 0;
  #headers: string[] = [];
  #url = '';
  #req: ExchangeIncoming | undefined;
  #keepAlive = false;
  #body: Buffer[] = [];
  #received = 0;
  #remaining = 0;
  #tooLarge = false;
  #chunkedEnd: ChunkedEnd | undefined;
  /** The bytes node:http is given with the connection, once its answers in flight are written. */
  #leaving: Buffer | undefined;
  #done = false;
  /** No request has begun on this connection yet (`#began` is when it was accepted). */
  #fresh = true;

  constructor(server: Server, socket: Socket, o: FrontOptions, open: Set<FrontConnection>) {
    super(server, socket, o.internals);
    this.#o = o;
    this.#open = open;
    const { llhttp } = o;
    const parser = new llhttp.Parser();
    // As node:http's server gives its parsers: a request of more headers than `maxHeadersCount` is refused (431).
    parser.maxHeaderPairs = llhttp.maxHeaderPairs;
    const maxHeaderSize: unknown = Reflect.get(server, 'maxHeaderSize');
    this.#maxHeaderSize = typeof maxHeaderSize === 'number' ? maxHeaderSize : 0;
    parser[llhttp.kOnMessageBegin] = this.#onBegin;
    parser[llhttp.kOnHeaders] = this.#onHeaders;
    parser[llhttp.kOnHeadersComplete] = this.#onHeadersComplete;
    parser[llhttp.kOnBody] = this.#onBody;
    parser[llhttp.kOnMessageComplete] = this.#onComplete;
    this.#parser = parser;
    this.#startParser();
    this.#began = performance.now();
    if (server.timeout > 0 && this.timed) socket.setTimeout(server.timeout);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('timeout', this.#onTimeout);
    socket.on('drain', this.#onDrain);
  }

  /** As node:http's server: its header size limit (0: Node's own), strict (no lenient flag). */
  #startParser(): void {
    this.#parser.initialize(this.#o.llhttp.REQUEST, this.#resource, this.#maxHeaderSize, this.#o.llhttp.kLenientNone);
  }

  /** No request being received and no answer being written. */
  idle(): boolean {
    return !this.#inMessage && this.queue.length === 0 && this.#mode !== 'leaving';
  }

  checkDeadlines(now: number): void {
    // A connection that has sent nothing yet is held to the headers deadline too, as node:http holds it.
    if ((!this.#inMessage && !this.#fresh) || this.#mode === 'leaving' || this.#mode === 'stopped') return;
    const elapsed = now - this.#began;
    const { headersTimeoutMs, requestTimeoutMs } = this.#o;
    if ((!this.#headersDone && headersTimeoutMs > 0 && elapsed > headersTimeoutMs) || (requestTimeoutMs > 0 && elapsed > requestTimeoutMs)) {
      // node:http's 408 through `clientError`, at once, whatever is still being written.
      this.#fail(Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), undefined, 0);
    }
  }

  readonly #onData = (chunk: Buffer): void => {
    let at = 0;
    while (at < chunk.length) {
      const mode = this.#mode;
      if (mode === 'sized') {
        at = this.#takeSized(chunk, at);
        continue;
      }
      if (mode === 'leaving') {
        // Read before the socket paused (it does not, once paused): kept in order behind the rest.
        this.#leaving = Buffer.concat([this.#leaving!, at === 0 ? chunk : chunk.subarray(at)]);
        return;
      }
      if (mode === 'stopped') return;
      const input = at === 0 ? chunk : chunk.subarray(at);
      // A chunked body is given to the parser up to its end and no further: what follows is the next request's.
      const end = mode === 'chunked' ? this.#chunkedEnd!.end(input) : -1;
      const result = this.#parser.execute(end < 0 ? input : input.subarray(0, end));
      const stop = this.#stop;
      this.#stop = undefined;
      if (this.#mode === 'stopped') return;
      if (result instanceof Error) {
        if (stop !== 'chunked') {
          this.#fail(result, chunk, at);
          return;
        }
        // Paused at a chunked request's head (see `pauseAtHead`): the body is read as the head said.
        this.#parser.resume();
        this.#chunkedEnd = new ChunkedEnd(this.#o.llhttp, this.#maxHeaderSize);
        this.#mode = 'chunked';
        at += result.bytesParsed ?? 0;
      } else if (stop === 'leave') {
        // The request and everything after it, from its first byte (some of it in earlier reads).
        this.#leave(this.#kept === undefined ? input : Buffer.concat([this.#kept.subarray(0, this.#keptLength), input]));
        return;
      } else if (stop === 'sized') {
        // The parser stopped at the head as at an upgrade: it starts again for the request after this body.
        this.#startParser();
        at += result;
        if (this.#remaining === 0) this.#complete();
        else this.#mode = 'sized';
      } else {
        if (end >= 0 && this.#mode === 'chunked') {
          // The shadow parser saw the body end where the request's parser did not: never read past it.
          this.socket.destroy();
          return;
        }
        if (this.#inMessage && !this.#headersDone) this.#keepHead(input);
        at += result;
      }
    }
  };

  /** Keeps a read's part of a head still coming, for a hand-over: at most node:http's header limit and a read. */
  #keepHead(part: Buffer): void {
    const need = this.#keptLength + part.length;
    if (this.#kept === undefined || need > this.#kept.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * (this.#kept?.length ?? 512)));
      this.#kept?.copy(grown, 0, 0, this.#keptLength);
      this.#kept = grown;
    }
    part.copy(this.#kept, this.#keptLength);
    this.#keptLength = need;
  }

  /** A sized body's next bytes, read here; returns where the read goes on. */
  #takeSized(chunk: Buffer, at: number): number {
    const take = Math.min(this.#remaining, chunk.length - at);
    this.#body.push(take === chunk.length ? chunk : chunk.subarray(at, at + take));
    this.#received += take;
    this.#remaining -= take;
    if (this.#remaining === 0) this.#complete();
    return at + take;
  }

  readonly #onBegin = (): void => {
    this.#fresh = false;
    this.#inMessage = true;
    this.#began = performance.now();
    this.#headersDone = false;
    this.#kept = undefined;
    this.#keptLength = 0;
    this.#headers = [];
    this.#url = '';
    this.#body = [];
    this.#received = 0;
    this.#tooLarge = false;
    // The keep-alive deadline of an idle connection stops here (server.timeout, 0 by default, applies again).
    if (this.keepAliveSet) {
      this.keepAliveSet = false;
      this.socket.setTimeout(this.server.timeout);
    }
  };

  readonly #onHeaders = (headers: string[], url: string): void => {
    this.#headers = this.#headers.concat(headers);
    this.#url += url;
  };

  readonly #onHeadersComplete = (major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined, _status: unknown, _message: unknown, upgrade: boolean, keepAlive: boolean): number => {
    this.#headersDone = true;
    const raw = headers ?? this.#headers;
    this.#headers = [];
    const name = this.#o.llhttp.methods[method] ?? '';
    const req = requestOf(this.socket, name, url ?? this.#url, raw, this.internals.addHeaderLine);
    const length = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    const plane =
      major === 1 &&
      minor === 1 &&
      !upgrade &&
      req.headers.host !== undefined &&
      req.headers.expect === undefined &&
      // A GET, HEAD or TRACE with a body: node:http's, as every request the front does not serve the way node:http does.
      !(BODYLESS.has(name) && (chunked || (length !== undefined && length !== '0'))) &&
      this.#o.plane.serves(req);
    if (!plane) {
      // 2: the parser stops here as at an upgrade, reading no body; node:http parses this request again.
      this.#stop = 'leave';
      return 2;
    }
    this.#req = req;
    this.#keepAlive = keepAlive;
    if (!chunked && length !== undefined && Number(length) > this.#o.bodyLimitBytes) {
      // Refused before its body, as node:http's plane does, and the connection closed after the answer.
      this.#stop = 'refused';
      this.#tooLarge = true;
      this.#dispatch(true);
      return 2;
    }
    // A request that closes the connection: the parser reads it whole, and refuses whatever follows it as node:http's does.
    if (!keepAlive) return 0;
    if (chunked) {
      this.#stop = 'chunked';
      return this.#o.llhttp.pauseAtHead;
    }
    this.#stop = 'sized';
    this.#remaining = length === undefined ? 0 : Number(length);
    return 2;
  };

  readonly #onBody = (chunk: Buffer): void => {
    if (this.#req === undefined || this.#tooLarge) return;
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
    // A request the parser stopped at (2) ends there for the parser: its body, if any, is read apart.
    if (this.#stop !== undefined || !this.#inMessage) return;
    this.#complete();
  };

  #complete(): void {
    this.#inMessage = false;
    if (this.#mode !== 'stopped') this.#mode = 'parser';
    this.#chunkedEnd?.close();
    this.#chunkedEnd = undefined;
    if (!this.#tooLarge && this.#req !== undefined) this.#dispatch(false);
  }

  #dispatch(tooLarge: boolean): void {
    const req = this.#req!;
    this.#req = undefined;
    const body = this.#body;
    this.#body = [];
    const socket = this.socket;
    const answer = new Answer(this, req, this.#keepAlive && !tooLarge);
    this.queue.push(answer);
    if (tooLarge) {
      // The rest of the connection is not read: it closes once this answer is out.
      this.#mode = 'stopped';
      this.#inMessage = false;
    }
    if (this.queue.length >= MAX_QUEUED || socket.writableNeedDrain) socket.pause();
    this.#o.plane.serveRead(req, answer, tooLarge ? undefined : body.length === 1 ? body[0] : Buffer.concat(body, this.#received), tooLarge);
  }

  /** The request being read is node:http's: reading stops, and the connection goes with `bytes` once its answers are out. */
  #leave(bytes: Buffer): void {
    this.#mode = 'leaving';
    this.#inMessage = false;
    this.#leaving = bytes;
    this.#kept = undefined;
    this.socket.pause();
    if (this.queue.length === 0) this.#handOver();
  }

  /**
   * Gives the connection to node:http's own connection listener, for good: the bytes of the request that
   * made it leave go back to the socket first, in one piece, ahead of anything read since (the socket is
   * paused, so they wait in its buffer in that order), and node:http's parser reads them as its own.
   */
  #handOver(): void {
    const socket = this.socket;
    const bytes = this.#leaving!;
    this.#leaving = undefined;
    this.#detach();
    if (this.timed) socket.setTimeout(0);
    socket.unshift(bytes);
    this.#o.nodeListener.call(this.server, socket);
    socket.resume();
  }

  /**
   * node:http's verdict on a request it cannot read (a parse error, a deadline passed): given to
   * `clientError` at once, as node:http's server gives it, whatever is still being written; nothing
   * more is read. A read's error carries that read and the offset in it, as node:http's does.
   */
  #fail(error: ParseError, chunk: Buffer | undefined, at: number): void {
    if (chunk !== undefined) {
      error.rawPacket = chunk;
      error.bytesParsed = (error.bytesParsed ?? 0) + at;
      if (typeof error.reason === 'string') error.message = `Parse Error: ${error.reason}`;
    }
    this.#mode = 'stopped';
    this.#recordCut();
    this.#inMessage = false;
    if (!this.server.emit('clientError', error, this.socket)) this.socket.destroy(error);
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
    this.#chunkedEnd?.close();
    this.#chunkedEnd = undefined;
  }

  protected override close(): void {
    this.#mode = 'stopped';
    const socket = this.socket;
    if (typeof socket.destroySoon === 'function') socket.destroySoon();
    else socket.end();
  }

  protected override receiving(): boolean {
    return this.#inMessage;
  }

  protected override detached(): boolean {
    return this.#done;
  }

  protected override answered(): boolean {
    if (this.#mode !== 'leaving') return false;
    this.#handOver();
    return true;
  }

  protected override readable(): boolean {
    return this.#mode !== 'leaving';
  }

  /** A plane request whose body never ended: the plane records it as it records a cut upload. */
  #recordCut(): void {
    const req = this.#req;
    if (req === undefined) return;
    this.#req = undefined;
    const answer = new Answer(this, req, false);
    this.#o.plane.cut(req, answer);
    answer.closed();
  }

  readonly #onEnd = (): void => {
    // As node:http's server (`socketOnEnd`): the parser's verdict on what was cut; else, with the server's
    // half-open switch on (half-open.ts), the answers still to come are written and the last closes the
    // connection; with it off, the connection ends with the client's end, whatever is still to be answered.
    if (this.#mode === 'parser' || this.#mode === 'sized' || this.#mode === 'chunked') {
      const error = this.#mode === 'sized' ? this.#cutSizedBody() : this.#parser.finish();
      if (error instanceof Error) {
        this.#fail(error, undefined, 0);
        return;
      }
    }
    if (this.queue.length > 0 && this.internals.allowsHalfOpen(this.server)) {
      this.clientEnded = true;
      return;
    }
    if (this.socket.writable) this.socket.end();
  };

  /** What node:http's parser says of a sized body cut by the end of its connection (this one's starts again after each head). */
  #cutSizedBody(): ParseError | undefined {
    const parser = new this.#o.llhttp.Parser();
    parser.initialize(this.#o.llhttp.REQUEST, {}, 0, this.#o.llhttp.kLenientNone);
    parser.execute(CUT_SIZED_BODY);
    const error = parser.finish();
    parser.close();
    return error;
  }

  /**
   * As node:http's server: a response whose write the socket refused (a relayed stream piped into it)
   * waits for `drain`, which the socket emits, not the response; without this it would wait for ever.
   */
  readonly #onDrain = (): void => {
    const res = this.holder();
    if (res !== undefined && this.internals.takeNeedDrain(res)) res.emit('drain');
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
    const heard = this.holder()?.emit('timeout', socket) === true;
    if (!this.server.emit('timeout', socket) && !heard) socket.destroy();
  };

  readonly #onClose = (): void => {
    this.#detach();
    this.#recordCut();
    this.closeQueued();
  };
}

function ignore(): void {}
