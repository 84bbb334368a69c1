import { eventError } from './stream-event-error.js';
import { jsonRpcAnswerKind } from './jsonrpc-answer-kind.js';
import { startsJson } from './answer-start.js';

const NEWLINE = 0x0a;
const RETURN = 0x0d;
const DATA = Buffer.from('data:');
const EVENT = Buffer.from('event:');
const ERROR = Buffer.from('error');

/**
 * Watches an answer that no {@link AnswerTap} reads (an unpriced call) for
 * the A2A error it carries, at a cost a successful answer barely notices:
 * a JSON-RPC body's first chunk is scanned to its `result` or `error` key
 * ({@link jsonRpcAnswerKind}, a few dozen bytes), an SSE stream's events
 * each to theirs, and nothing is parsed unless the answer is an error.
 * JSON-RPC answers its errors with HTTP 200 (A2A §9.5), so the status alone
 * cannot tell; an HTTP+JSON error has a 4xx/5xx status, and its body
 * (google.rpc.Status, A2A §11.6) is kept only to read the error's code.
 * A stream, either binding, is answered with 200 before its events: an
 * error after its headers is its last event, `{"error":…}` on HTTP+JSON
 * (typed `error` or not), a bare `{code, message}` typed `error` on v0.3
 * HTTP+JSON, and it fails the call as a JSON-RPC stream's error event
 * does; what the event says is read as a tapped answer's is (stream-event-error.ts).
 */
export class AnswerErrorWatch {
  /** Bytes of an error kept to read it: more is no A2A error body (they are a few hundred bytes). */
  static readonly LIMIT = 64 * 1024;
  /** An SSE event's first bytes carried over a chunk's end: more and its key is too far to look for. */
  static readonly CARRY_LIMIT = 4 * 1024;

  readonly #jsonRpc: boolean;
  #started = false;
  #sse = false;
  /** A JSON body: its chunks while it may be an error; an SSE stream: the error event's, once one began. */
  #held: Buffer[] | undefined;
  #heldBytes = 0;
  /** The answer said `error`: a JSON-RPC body, or an event of a stream on either binding (its last). */
  #errorSeen = false;
  /** SSE: the error event was typed `error` (its data may be a bare `{code, message}`, stream-event-error.ts). */
  #typedError = false;
  /** SSE: the previous chunk ended a line (a `data:` at this chunk's start begins one). */
  #atLineStart = true;
  /** SSE: an event's start whose key the previous chunk cut off, or the whole event the chunk's end cut. */
  #carry: Buffer | undefined;
  /** SSE: the next bytes (the carry, else the next chunk) begin an event. */
  #atEventStart = true;

  /** @param jsonRpc the call is JSON-RPC (its answers carry `result` or `error`). */
  constructor(jsonRpc: boolean) {
    this.#jsonRpc = jsonRpc;
  }

  readonly onChunk = (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    if (!this.#started) {
      this.#started = true;
      // An event stream starts with a field (`data:`, `event:`, `id:`) or a comment, never with `{`.
      const json = startsJson(chunk);
      this.#sse = this.#jsonRpc && !json;
      // Not JSON on HTTP+JSON: an SSE stream (its events read for an error event's first bytes only) or a proxy's page.
      if (!json && !this.#jsonRpc) this.#sse = true;
      if (!this.#sse) {
        // Which member a JSON-RPC body has is known by its first chunk (the whole body, when held whole).
        this.#errorSeen = this.#jsonRpc && jsonRpcAnswerKind(chunk) === 'error';
        this.#hold(chunk);
        return;
      }
    }
    if (this.#sse) this.#sseChunk(chunk);
    else if (this.#held !== undefined) this.#hold(chunk);
  };

  /** The answer is an event stream: an error it carries came after its headers, as its last event. */
  get streamed(): boolean {
    return this.#sse;
  }

  /**
   * Call once the answer is over, with its status: the error object it
   * carried (a JSON-RPC `error`, a google.rpc.Status's `error`, a stream's
   * error event on either binding), `null` for an error whose body could
   * not be read, undefined for no error.
   */
  error(status: number): unknown {
    if (status < 400 && !this.#errorSeen) return undefined;
    const held = this.#held;
    if (held === undefined) return null;
    const bytes = held.length === 1 ? held[0]! : Buffer.concat(held, this.#heldBytes);
    this.#held = undefined;
    const text = this.#sse ? eventData(bytes.toString('utf8')) : bytes.toString('utf8');
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      return this.#typedError ? eventError(undefined, true) : null;
    }
    // The one reading of an event's error, every binding's (stream-event-error.ts); a JSON body is read as an untyped event.
    return eventError(answer, this.#typedError) ?? null;
  }

  #hold(chunk: Buffer): void {
    // A JSON-RPC result is never read again; an HTTP+JSON body is kept in case its status says error.
    if (this.#jsonRpc && !this.#errorSeen) return;
    this.#heldBytes += chunk.length;
    if (this.#heldBytes > AnswerErrorWatch.LIMIT) {
      this.#held = undefined;
      return;
    }
    (this.#held ??= []).push(chunk);
  }

  /** Each event's `data:` line scanned to its key; the first error event is kept (it ends the stream, A2A §9.5). */
  #sseChunk(chunk: Buffer): void {
    if (this.#errorSeen) {
      if (this.#held !== undefined) this.#hold(chunk);
      return;
    }
    let bytes = chunk;
    let lineStart = this.#atLineStart;
    const eventStart = this.#atEventStart;
    if (this.#carry !== undefined) {
      bytes = Buffer.concat([this.#carry, chunk]);
      this.#carry = undefined;
      lineStart = true;
    }
    this.#atLineStart = chunk[chunk.length - 1] === NEWLINE || chunk[chunk.length - 1] === RETURN;
    // An event typed `error` (the SDK's servers and ours type it so; a v0.3 HTTP+JSON one has no `error` key to find).
    const typed = this.#errorEventAt(bytes, lineStart);
    if (typed >= 0) {
      this.#errorSeen = true;
      this.#typedError = true;
      this.#held = [];
      this.#heldBytes = 0;
      // From its event's first field: a server may write its `data:` before its `event:` (WHATWG SSE allows any order).
      // An event begun in an earlier chunk too long to carry is held from its `event:` line: what comes before it
      // here is the cut-off rest of that event's fields, and its first data lines are gone.
      const start = lastEventEnd(bytes, typed);
      this.#hold(bytes.subarray(start >= 0 ? start : eventStart ? 0 : typed));
      return;
    }
    if (this.#scanData(bytes, lineStart)) return;
    this.#carryOpenEvent(bytes, eventStart);
  }

  /** The `data:` lines of `bytes` scanned to their keys: true once one is an error (held from there). */
  #scanData(bytes: Buffer, lineStart: boolean): boolean {
    let from = 0;
    for (;;) {
      const at = bytes.indexOf(DATA, from);
      if (at < 0) {
        if (this.#carry === undefined) this.#carryCutField(bytes, from, lineStart);
        return false;
      }
      from = at + DATA.length;
      // A field starts a line; a JSON text on a data line has no raw line break, so any `data:` after one is a field.
      if (at === 0 ? !lineStart : bytes[at - 1] !== NEWLINE && bytes[at - 1] !== RETURN) continue;
      const kind = this.#jsonRpc ? jsonRpcAnswerKind(bytes, from) : restEventKind(bytes, from);
      if (kind === 'result') continue;
      if (kind === 'error') {
        this.#errorSeen = true;
        this.#held = [];
        this.#heldBytes = 0;
        this.#hold(bytes.subarray(at));
        return true;
      }
      // Undecided: cut by the chunk's end (its line goes on in the next chunk), else no JSON-RPC response.
      const lineEnd = bytes.indexOf(NEWLINE, from);
      if (lineEnd < 0 && bytes.length - at <= AnswerErrorWatch.CARRY_LIMIT) this.#carry = Buffer.from(bytes.subarray(at));
      if (lineEnd < 0) return false;
    }
  }

  /**
   * An event the chunk's end cuts is carried from its first field, when that is known and small, so an
   * `event: error` line in the next chunk is read with the `data:` line before it. A chunk that ends its
   * events (the runtime writes whole events) carries nothing, and costs a look at its last bytes.
   * `began`: `bytes` begins an event (the previous chunk ended one, or this one carries its start).
   */
  #carryOpenEvent(bytes: Buffer, began: boolean): void {
    // Looked for among the last bytes only: an event longer than a carry is not carried whole.
    const window = Math.max(0, bytes.length - AnswerErrorWatch.CARRY_LIMIT - 4);
    const end = lastEventEnd(bytes, bytes.length, window);
    const start = end >= 0 ? end : began && window === 0 ? 0 : -1;
    if (start === bytes.length) {
      this.#carry = undefined;
      this.#atEventStart = true;
    } else if (start >= 0 && bytes.length - start <= AnswerErrorWatch.CARRY_LIMIT) {
      this.#carry = Buffer.from(bytes.subarray(start));
      this.#atEventStart = true;
    } else {
      // Too long to carry, or begun where no chunk showed: a field cut at the end is carried as before.
      this.#atEventStart = false;
    }
  }

  /**
   * Where an `event: error` field starts in `bytes`, -1 for none: one search a chunk, for `event:` (our
   * runtime's events have no such field). An `event:` line the chunk's end cuts is carried, to be read
   * with the next chunk. The field may come before its event's data (as servers write it) or after it:
   * the event is held from its first field either way.
   */
  #errorEventAt(bytes: Buffer, lineStart: boolean): number {
    let from = 0;
    for (;;) {
      const at = bytes.indexOf(EVENT, from);
      if (at < 0) return -1;
      from = at + EVENT.length;
      if (at === 0 ? !lineStart : bytes[at - 1] !== NEWLINE && bytes[at - 1] !== RETURN) continue;
      let v = from;
      if (bytes[v] === 0x20) v++;
      let i = 0;
      while (i < ERROR.length && v + i < bytes.length && bytes[v + i] === ERROR[i]) i++;
      const end = v + i;
      if (end === bytes.length) {
        // Cut by the chunk's end (`event: err`): read whole with the next chunk.
        if (bytes.length - at <= AnswerErrorWatch.CARRY_LIMIT) this.#carry = Buffer.from(bytes.subarray(at));
        return -1;
      }
      if (i === ERROR.length && (bytes[end] === NEWLINE || bytes[end] === RETURN)) return at;
    }
  }

  /** A `data:` or `event:` field name cut by the chunk's end (`\nda`): carried, to be read with the next chunk. */
  #carryCutField(bytes: Buffer, from: number, lineStart: boolean): void {
    for (let n = Math.min(EVENT.length - 1, bytes.length - from); n > 0; n--) {
      const at = bytes.length - n;
      if (at === 0 ? !lineStart : bytes[at - 1] !== NEWLINE && bytes[at - 1] !== RETURN) continue;
      const tail = bytes.subarray(at);
      if ((n < DATA.length && tail.equals(DATA.subarray(0, n))) || tail.equals(EVENT.subarray(0, n))) {
        this.#carry = Buffer.from(tail);
        return;
      }
    }
  }
}

const REST_ERROR_EVENT = Buffer.from('{"error":');

/**
 * An HTTP+JSON stream event's kind by its first bytes: a StreamResponse has one member, and the server's
 * error event is `{"error":…}` (A2A §11.6), so the first bytes tell, without reading the event.
 */
function restEventKind(bytes: Buffer, from: number): 'result' | 'error' | undefined {
  let at = from;
  while (at < bytes.length && bytes[at] === 0x20) at++;
  // Byte by byte, no views made: this runs once per event of every HTTP+JSON stream.
  for (let i = 0; i < REST_ERROR_EVENT.length; i++) {
    if (at + i >= bytes.length) return undefined;
    if (bytes[at + i] !== REST_ERROR_EVENT[i]) return 'result';
  }
  return 'error';
}

/**
 * Where the event that holds `before - 1` begins: just after the last blank line (`\n\n`, `\r\n\r\n`,
 * `\r\r`) that ends before `before`, looked for after `after`; -1 when `bytes` has none there. `before` = `bytes.length` gives
 * the start of the event the end cuts (`bytes.length` itself when the bytes end with their last event).
 */
function lastEventEnd(bytes: Buffer, before: number, after = 0): number {
  for (let i = before - 1; i > after; i--) {
    const b = bytes[i];
    if (b !== NEWLINE && b !== RETURN) continue;
    const p = bytes[i - 1];
    // \n\n or \r\r; \r\n\r\n ends at its last \n.
    if (p === b) return i + 1;
    if (b === NEWLINE && p === RETURN && i >= 3 && bytes[i - 2] === NEWLINE && bytes[i - 3] === RETURN) return i + 1;
  }
  return -1;
}

/** The data of the first event in `text` (it starts at that event's first `data:` line): its data lines joined (WHATWG SSE). */
function eventData(text: string): string {
  const end = text.search(/\r?\n\r?\n|\r\r/);
  const block = end < 0 ? text : text.slice(0, end);
  return block
    .split(/\r\n|\r|\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
    .join('\n');
}
