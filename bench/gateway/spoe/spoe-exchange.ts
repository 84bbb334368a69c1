/**
 * A request HAProxy sent the policy agent (message `am-request`), as the
 * gateway's proxy steps read a request, and the reply those steps write
 * (a refusal in the caller's binding, a parked call's gated task, the
 * quota headers), kept for the agent to hand back as SPOE variables: the
 * steps run unchanged, and what they would have answered is what HAProxy
 * returns.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Writable, type Readable } from 'node:stream';
import type { ExchangeReply, ExchangeRequest } from '../../../src/http/index.js';

/** The statuses the HAProxy config has a `return` rule for: another is answered 500 (none of the steps' refusals has one). */
export const RETURNED_STATUSES = Object.freeze([200, 400, 401, 402, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503]);

/** The request's parts HAProxy sends, by the names of the SPOE message's arguments. */
export interface SpoeRequestParts {
  id: string;
  method: string;
  /** Path and query, as received. */
  url: string;
  headers: IncomingHttpHeaders;
  ip: string;
  body: Buffer | undefined;
}

/** What the steps read of a request; nothing reads its socket (`raw`) on the paths the agent serves. */
export function spoeRequest(parts: SpoeRequestParts): ExchangeRequest {
  return { ...parts, protocol: 'http', host: typeof parts.headers.host === 'string' ? parts.headers.host : '', raw: undefined as unknown as IncomingMessage, query: undefined };
}

/** A response nobody reads: `finished()` on it resolves once the reply was sent, as a socket's would once written. */
class NullResponse extends Writable {
  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    callback();
  }
}

/** The reply the steps write: its status, headers and body, kept. */
export class SpoeReply implements ExchangeReply {
  readonly request: ExchangeRequest;
  statusCode = 200;
  sent = false;
  body: string | undefined;
  readonly #headers = new Map<string, string>();
  #raw: NullResponse | undefined;

  constructor(request: ExchangeRequest) {
    this.request = request;
  }

  get raw(): ServerResponse {
    this.#raw ??= new NullResponse();
    return this.#raw as unknown as ServerResponse;
  }

  code(statusCode: number): this {
    this.statusCode = statusCode;
    return this;
  }

  header(name: string, value: string | number | string[]): this {
    this.#headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    return this;
  }

  headers(values: Record<string, string | number | string[]>): this {
    for (const [name, value] of Object.entries(values)) this.header(name, value);
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.#headers.get(name.toLowerCase());
  }

  send(payload?: Buffer | string | Readable | object): this {
    if (typeof payload === 'string') this.body = payload;
    else if (Buffer.isBuffer(payload)) this.body = payload.toString('utf8');
    else if (payload !== undefined) this.body = JSON.stringify(payload);
    if (this.getHeader('content-type') === undefined && payload !== undefined && typeof payload !== 'string' && !Buffer.isBuffer(payload)) this.header('content-type', 'application/json; charset=utf-8');
    this.sent = true;
    this.#raw?.end();
    return this;
  }
}
