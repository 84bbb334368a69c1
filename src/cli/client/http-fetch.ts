/**
 * The CLI's fetch, on node:http and node:https.
 *
 * Why not the global `fetch`: Node compiles its bundled undici the first time
 * `fetch`, `Headers`, `Request` or `Response` is touched, and in a process that
 * lives for one command that is the largest single cost: one card download
 * through the global fetch costs ≈ 260 ms of CPU on the reference machine,
 * through `node:http` ≈ 20 ms (docs/perf-journal/runtime-and-cli.md, "CLI start"; ADR 0013). A
 * server keeps undici warm for hours; a CLI pays its start-up on every call.
 *
 * This is the part of the Fetch standard the CLI and the official SDK's
 * JSON-RPC and REST transports use, no more: string or URL input; `method`,
 * `headers` (record, pairs or anything with `forEach`), `body` (string,
 * bytes, URLSearchParams), `signal`, `redirect`; a response with `ok`,
 * `status`, `statusText`, `url`, `redirected`, `headers` (`get`, `has`,
 * `getSetCookie`, `forEach`, iteration), `text()`, `json()`, `arrayBuffer()`,
 * `bytes()`, `blob()` and `body` as a web ReadableStream (the SDK reads SSE
 * through it). The classes implement `Headers` and `Response`, so this is a
 * `typeof fetch` for the SDK's transports without a cast. Network failures reject
 * with `TypeError('fetch failed', { cause })` and aborts with the signal's
 * reason, as fetch does, so callers cannot tell the two apart.
 *
 * Not implemented (refused with a TypeError, never silently wrong): `Request`
 * objects as input, stream or FormData bodies, `clone()`, `formData()`.
 * Response headers are immutable, as fetch's are: `append`, `set` and
 * `delete` throw a TypeError. No
 * `Accept-Encoding` is sent, so answers arrive uncompressed.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, request as HttpRequestFn } from 'node:http';
import type { RequestOptions } from 'node:https';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { toError } from '../../protocol/index.js';

/** Redirects followed before giving up, as fetch's limit (Fetch §4.4 step 5). */
const MAX_REDIRECTS = 20;

type RequestFn = typeof HttpRequestFn;
/**
 * node:http through require, not an ESM import: an import reads every
 * export, and Node 24's lazy `WebSocket`, `CloseEvent` and `MessageEvent`
 * exports load undici, and node:http2 and node:tls with it.
 */
const httpRequest = (createRequire(import.meta.url)('node:http') as { request: RequestFn }).request;
let httpsRequestFn: RequestFn | undefined;

/** node:https loads TLS; only a command that calls an https URL pays for it. */
function httpsRequest(): RequestFn {
  httpsRequestFn ??= (createRequire(import.meta.url)('node:https') as { request: RequestFn }).request;
  return httpsRequestFn;
}

/** Response headers: the Fetch `Headers` interface with the "immutable" guard (Fetch §5.2). */
export class ResponseHeaders implements Headers {
  readonly #raw: IncomingHttpHeaders;

  constructor(raw: IncomingHttpHeaders) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.#raw[name.toLowerCase()] !== undefined;
  }

  getSetCookie(): string[] {
    const value = this.#raw['set-cookie'];
    return value === undefined ? [] : [...value];
  }

  append(): void {
    immutable();
  }

  set(): void {
    immutable();
  }

  delete(): void {
    immutable();
  }

  forEach(callback: (value: string, name: string, headers: ResponseHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.#raw).sort()) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** Fetch §5.2: a response's headers have the "immutable" guard. */
function immutable(): never {
  throw new TypeError('Headers are immutable');
}

/** A fetch Response over an IncomingMessage whose body has not been read yet. */
export class HttpFetchResponse implements Response {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly redirected: boolean;
  readonly headers: ResponseHeaders;
  readonly type = 'basic';
  readonly #message: IncomingMessage;
  #used = false;
  #stream: ReadableStream<Uint8Array> | undefined;

  constructor(message: IncomingMessage, url: string, redirected: boolean) {
    this.#message = message;
    this.status = message.statusCode ?? 0;
    this.statusText = message.statusMessage ?? '';
    this.url = url;
    this.redirected = redirected;
    this.headers = new ResponseHeaders(message.headers);
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The body as a web stream (loads node's web streams only when asked for). */
  get body(): ReadableStream<Uint8Array> {
    if (this.#stream === undefined) {
      this.#claim();
      this.#stream = Readable.toWeb(this.#message);
    }
    return this.#stream;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#bytes();
    // A copy of its own (a Buffer may sit in a shared pool, or on a SharedArrayBuffer).
    const copy = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(copy).set(bytes);
    return copy;
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async blob(): Promise<Blob> {
    // node:buffer's Blob: touching it does not load undici.
    return new Blob([await this.arrayBuffer()], { type: this.headers.get('content-type') ?? '' });
  }

  formData(): never {
    throw new TypeError('the CLI fetch does not parse form data');
  }

  async text(): Promise<string> {
    return (await this.#bytes()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  clone(): never {
    throw new TypeError('the CLI fetch does not clone responses');
  }

  #claim(): void {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
  }

  async #bytes(): Promise<Buffer> {
    this.#claim();
    const chunks: Buffer[] = [];
    try {
      // No encoding is set on the message: its chunks are Buffers.
      for await (const chunk of this.#message) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    } catch (err) {
      throw abortReason(err) ?? new TypeError('terminated', { cause: err });
    }
    return Buffer.concat(chunks);
  }
}

/** Request headers in any form fetch accepts, as one record: names lower-cased, repeated values joined. */
export function headerRecord(headers: unknown): Record<string, string> {
  // No prototype: a header may be named `constructor` or `__proto__` (CONTRIBUTING.md, "Hostile input").
  const out: Record<string, string> = Object.create(null);
  if (headers === undefined || headers === null) return out;
  const put = (name: string, value: string): void => {
    const key = name.toLowerCase();
    out[key] = Object.hasOwn(out, key) ? `${out[key]}, ${value}` : value;
  };
  if (Array.isArray(headers)) {
    for (const pair of headers as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('headers: each entry must be a [name, value] pair');
      put(String(pair[0]), String(pair[1]));
    }
  } else if (typeof (headers as { forEach?: unknown }).forEach === 'function') {
    (headers as { forEach(cb: (value: string, name: string) => void): void }).forEach((value, name) => put(name, value));
  } else if (typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) put(name, String(value));
  } else {
    throw new TypeError('headers must be an object, an array of pairs or a Headers');
  }
  return out;
}

/** The body as bytes, with the content type fetch would add. */
function outgoingBody(body: unknown): { bytes: Buffer; contentType?: string } | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8'), contentType: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams) return { bytes: Buffer.from(body.toString(), 'utf8'), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (body instanceof ArrayBuffer) return { bytes: Buffer.from(body) };
  if (ArrayBuffer.isView(body)) return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  throw new TypeError('the CLI fetch sends string, bytes or URLSearchParams bodies only');
}

/** An AbortSignal's reason when `err` is that abort, else undefined. */
function abortReason(err: unknown): unknown {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError') ? err : undefined;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * What the CLI's https calls present and trust beyond Node's defaults: a
 * client certificate (mutual TLS) and the CAs to verify servers with (`ca`
 * replaces Node's roots, so it carries them when they should stay).
 */
export interface HttpFetchTls {
  cert?: Buffer;
  key?: Buffer;
  ca?: Array<string | Buffer>;
}

/** Options of {@link createHttpFetch}. */
export interface HttpFetchOptions {
  /**
   * The TLS of https calls, asked for at the first one (so a command that
   * calls only http:// URLs never reads the files nor loads node:tls); it
   * may throw, and the call rejects with that error.
   */
  tls?: () => HttpFetchTls;
}

interface Attempt {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signal: AbortSignal | undefined;
}

/** One request/response exchange; resolves at the response's headers. */
function exchange(a: Attempt, tls: HttpFetchTls | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const signal = a.signal;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const secure = a.url.protocol === 'https:';
    const send = secure ? httpsRequest() : httpRequest;
    const headers: OutgoingHttpHeaders = Object.assign(Object.create(null), a.headers);
    if (a.body !== undefined) headers['content-length'] = String(a.body.length);
    // The global agent pools per certificate and CA too (its connection key names them).
    const options: RequestOptions = secure && tls !== undefined ? { method: a.method, headers, ...tls } : { method: a.method, headers };
    let message: IncomingMessage | undefined;
    const onAbort = (): void => {
      const reason = abortError(signal!);
      // Before the headers: the promise rejects; after: the body's readers see the abort.
      request.destroy(toError(reason));
      message?.destroy(toError(reason));
      reject(reason);
    };
    const request = send(a.url, options, (incoming) => {
      message = incoming;
      incoming.once('close', () => signal?.removeEventListener('abort', onAbort));
      resolve(incoming);
    });
    request.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? abortError(signal) : new TypeError('fetch failed', { cause: err }));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    request.end(a.body);
  });
}

/** Fetch §4.4 step 11–12: which redirects change the method and drop the body. */
function redirected(a: Attempt, status: number, location: string): Attempt {
  const url = new URL(location, a.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`fetch failed: redirect to ${url.protocol} is not followed`);
  const toGet = ((status === 301 || status === 302) && a.method === 'POST') || (status === 303 && a.method !== 'GET' && a.method !== 'HEAD');
  const headers: Record<string, string> = Object.assign(Object.create(null), a.headers);
  if (toGet) {
    delete headers['content-type'];
    delete headers['content-length'];
  }
  // Credentials stay with the origin they were meant for (Fetch §4.4 step 13).
  if (url.origin !== a.url.origin) delete headers['authorization'];
  return { url, method: toGet ? 'GET' : a.method, headers, body: toGet ? undefined : a.body, signal: a.signal };
}

/**
 * A `fetch` for the CLI (see the module comment for what it covers) whose
 * https calls present and trust `options.tls`.
 *
 * @example
 * const f = createHttpFetch({ tls: () => ({ cert, key, ca: [...rootCertificates, meshCa] }) });
 * const res = await f('https://gateway.internal:4200/health');
 */
export function createHttpFetch(options: HttpFetchOptions = {}): (input: string | URL | Request, init?: RequestInit) => Promise<HttpFetchResponse> {
  let tls: HttpFetchTls | undefined;
  const tlsOf = (url: URL): HttpFetchTls | undefined => {
    if (url.protocol !== 'https:' || options.tls === undefined) return undefined;
    tls ??= options.tls();
    return tls;
  };
  return async function fetchWithTls(input: string | URL | Request, init: RequestInit = {}): Promise<HttpFetchResponse> {
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('the CLI fetch takes a URL or a string, not a Request');
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`fetch failed: unsupported protocol ${url.protocol}`);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = headerRecord(init.headers);
    const body = outgoingBody(init.body);
    if (body?.contentType !== undefined && headers['content-type'] === undefined) headers['content-type'] = body.contentType;
    // As fetch: an empty POST says so, rather than opening a chunked body.
    if (body === undefined && method !== 'GET' && method !== 'HEAD') headers['content-length'] = '0';
    let attempt: Attempt = { url, method, headers, body: body?.bytes, signal: init.signal ?? undefined };
    const mode = init.redirect ?? 'follow';
    for (let hops = 0; ; hops++) {
      const message = await exchange(attempt, tlsOf(attempt.url));
      const status = message.statusCode ?? 0;
      const location = message.headers.location;
      if (mode === 'manual' || status < 300 || status > 399 || status === 304 || location === undefined) {
        return new HttpFetchResponse(message, attempt.url.href, hops > 0);
      }
      message.resume();
      if (mode === 'error') throw new TypeError(`fetch failed: redirect to ${location} (redirect: 'error')`);
      if (hops + 1 > MAX_REDIRECTS) throw new TypeError('fetch failed: redirect count exceeded');
      attempt = redirected(attempt, status, location);
    }
  };
}

/**
 * `fetch` for the CLI (see the module comment for what it covers), with
 * Node's TLS defaults.
 *
 * @example
 * const res = await httpFetch('http://localhost:4200/health');
 * console.log(res.status, await res.text());
 */
export const httpFetch: (input: string | URL | Request, init?: RequestInit) => Promise<HttpFetchResponse> = createHttpFetch();

/** {@link httpFetch}, under the name the SDK transports' `fetchImpl` is given. */
export const cliFetch: typeof fetch = httpFetch;
