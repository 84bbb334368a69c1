import { OutgoingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { llhttpSlotsOf, type LlhttpSlots } from '../llhttp-binding.js';

/** The part of Node's llhttp binding the data plane's front drives (REQUEST mode). */
export interface RequestParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | ParseError;
  finish(): undefined | ParseError;
  close(): void;
  [slot: number]: unknown;
}

/** An error `execute` returns: node:http's server hands it to `clientError` as is. */
export type ParseError = Error & { code?: string; bytesParsed?: number; rawPacket?: Buffer };

export interface RequestLlhttp extends LlhttpSlots {
  Parser: new () => RequestParser;
  REQUEST: number;
  /** Method names by the index `kOnHeadersComplete` reports. */
  methods: readonly string[];
  /** node:http's own rule for building `req.headers` from the raw pairs (duplicates dropped, joined or listed). */
  addHeaderLine: (field: string, value: string, dest: Record<string, unknown>) => void;
  /**
   * node:http's mark on a response whose last write the socket refused (`kNeedDrain`): its server
   * re-emits the socket's `drain` on such a response, which is how a stream piped into it writes on.
   */
  needDrain: symbol;
  /** node:http's mark on a response whose last byte was handed to the socket (`kWritableFinished`, its `writableFinished`). */
  writableFinished: symbol;
}

/** One canned request and what the binding must report for it: the callbacks, or the error code node:http's server meets. */
interface Canned {
  bytes: string;
  seen: string;
}

/**
 * Requests whose verdicts must be node:http's: two plain ones (a sized and a chunked body, on one
 * connection), then smuggling attempts node:http refuses (two Content-Lengths, Content-Length with
 * chunked, chunked not last, a bad chunk size, a header without a colon, a bare LF in a value).
 * Every verdict was read from node:http's server on Node 24.21 (the line ADR 0031 pins).
 */
const CANNED: readonly Canned[] = [
  {
    bytes: 'POST /agents/a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nokPOST /agents/b?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    seen: 'begin,POST,/agents/a,Host|h|Content-Length|2,1.1,true,false,ok,end,begin,POST,/agents/b?x=1,Host|h|Transfer-Encoding|chunked,1.1,true,false,hi,end',
  },
  { bytes: 'GET /agents/a HTTP/1.0\r\nHost: h\r\n\r\n', seen: 'begin,GET,/agents/a,Host|h,1.0,false,false,end' },
  { bytes: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok', seen: 'begin,HPE_UNEXPECTED_CONTENT_LENGTH' },
  { bytes: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', seen: 'begin,HPE_INVALID_TRANSFER_ENCODING' },
  { bytes: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n', seen: 'begin,HPE_INVALID_TRANSFER_ENCODING' },
  { bytes: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', seen: 'begin,POST,/,Host|h|Transfer-Encoding|chunked,1.1,true,false,HPE_INVALID_CHUNK_SIZE' },
  { bytes: 'GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n', seen: 'begin,HPE_INVALID_HEADER_TOKEN' },
  { bytes: 'GET / HTTP/1.1\r\nHost: h\r\nX: a\nb\r\n\r\n', seen: 'begin,HPE_CR_EXPECTED' },
];

/**
 * Node's llhttp binding in REQUEST mode, or why it cannot be used: `node:_http_common` is not a
 * documented module, so its shape is checked and the canned requests above parsed, every verdict
 * compared with node:http's, before a connection relies on it.
 */
export function loadRequestLlhttp(): RequestLlhttp | string {
  let common: Record<string, unknown>;
  let incoming: Record<string, unknown>;
  try {
    const require = createRequire(import.meta.url);
    common = require('node:_http_common') as Record<string, unknown>;
    incoming = require('node:_http_incoming') as Record<string, unknown>;
  } catch (err) {
    return `node:_http_common cannot be loaded (${err instanceof Error ? err.message : String(err)})`;
  }
  const checked = checkRequestLlhttp(common, incoming);
  if (typeof checked === 'string') return checked;
  const marks = Object.getOwnPropertySymbols(new OutgoingMessage());
  const needDrain = marks.find((symbol) => symbol.description === 'kNeedDrain');
  if (needDrain === undefined) return "OutgoingMessage has no kNeedDrain mark: a response's refused write could not be resumed";
  const writableFinished = marks.find((symbol) => symbol.description === 'kWritableFinished');
  if (writableFinished === undefined) return 'OutgoingMessage has no kWritableFinished mark: an answer written whole could not say it finished';
  return { ...checked, needDrain, writableFinished };
}

/** {@link loadRequestLlhttp}'s check of the two modules' exports. */
export function checkRequestLlhttp(common: Record<string, unknown>, incoming: Record<string, unknown>): Omit<RequestLlhttp, 'needDrain' | 'writableFinished'> | string {
  const P = common['HTTPParser'] as (RequestLlhttp['Parser'] & Record<string, unknown>) | undefined;
  const methods = common['methods'];
  const IncomingMessage = incoming['IncomingMessage'] as { prototype: Record<string, unknown> } | undefined;
  const addHeaderLine = IncomingMessage?.prototype['_addHeaderLine'];
  if (typeof P !== 'function' || !Array.isArray(methods) || typeof addHeaderLine !== 'function') return 'node:_http_common has no HTTPParser or methods, or IncomingMessage no _addHeaderLine';
  const slots = llhttpSlotsOf(P, 'REQUEST');
  if (typeof slots === 'string') return slots;
  const llhttp: Omit<RequestLlhttp, 'needDrain' | 'writableFinished'> = {
    Parser: P,
    ...slots,
    methods: methods as string[],
    addHeaderLine: (field, value, dest) => (addHeaderLine as (this: object, f: string, v: string, d: object) => void).call(NO_JOIN, field, value, dest),
  };
  try {
    const headers: Record<string, unknown> = {};
    for (const [name, value] of [['Host', 'a'], ['host', 'b'], ['X-A', '1'], ['x-a', '2'], ['Cookie', 'c=1'], ['cookie', 'd=2'], ['Set-Cookie', 's']]) llhttp.addHeaderLine(name!, value!, headers);
    if (JSON.stringify(headers) !== '{"host":"a","x-a":"1, 2","cookie":"c=1; d=2","set-cookie":["s"]}') return 'IncomingMessage builds headers otherwise than expected';
    for (const canned of CANNED) {
      const seen = parseCanned(llhttp, canned.bytes);
      if (seen !== canned.seen) return `HTTPParser reports a canned request otherwise than node:http did (${JSON.stringify(seen)})`;
    }
  } catch (err) {
    return `HTTPParser failed a canned request (${err instanceof Error ? err.message : String(err)})`;
  }
  return llhttp;
}

/** `_addHeaderLine`'s receiver: node:http's default (`joinDuplicateHeaders` off). */
const NO_JOIN = Object.freeze({ joinDuplicateHeaders: false });

function parseCanned(llhttp: Omit<RequestLlhttp, 'needDrain' | 'writableFinished'>, bytes: string): string {
  const seen: unknown[] = [];
  const parser = new llhttp.Parser();
  parser.initialize(llhttp.REQUEST, {}, 0, llhttp.kLenientNone);
  parser[llhttp.kOnMessageBegin] = () => seen.push('begin');
  parser[llhttp.kOnHeadersComplete] = (major: number, minor: number, raw: unknown, method: number, url: unknown, _s: unknown, _m: unknown, upgrade: unknown, keepAlive: unknown) => {
    seen.push(llhttp.methods[method], url, Array.isArray(raw) ? raw.join('|') : typeof raw, `${major}.${minor}`, keepAlive, upgrade);
    return 0;
  };
  parser[llhttp.kOnBody] = (chunk: unknown) => seen.push(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : typeof chunk);
  parser[llhttp.kOnMessageComplete] = () => seen.push('end');
  const result = parser.execute(Buffer.from(bytes, 'latin1'));
  parser.close();
  if (result instanceof Error) seen.push(result.code);
  else if (result !== bytes.length) seen.push(`parsed ${result}`);
  return seen.join(',');
}
