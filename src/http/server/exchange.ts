import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * The part of a request a handler under a data-plane prefix reads: what
 * both Fastify's request and the data plane's {@link PlaneRequest} have, so
 * one handler serves either way in (see data-plane.ts).
 */
export interface ExchangeRequest {
  readonly id: string;
  readonly method: string;
  /** As received: still percent-encoded, query included. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's address (`X-Forwarded-For`'s first hop when the role trusts its proxy). */
  readonly ip: string;
  /** `https` on a TLS connection (or as `X-Forwarded-Proto` says, when the proxy is trusted). */
  readonly protocol: 'http' | 'https';
  /** The `Host` the client asked for (`X-Forwarded-Host` when the proxy is trusted). */
  readonly host: string;
  /**
   * node:http's request, as far as a handler may read it: behind the llhttp front (ADR 0065) it is a
   * plain object with these fields and no stream or events (the body is read whole, the client's leaving
   * is the socket's `close`), so the type keeps a handler from listening on it.
   */
  readonly raw: ExchangeIncoming;
  /** The body's bytes (undefined when the request has none). */
  readonly body: unknown;
  /** The query string's parameters (the last value of a repeated one). */
  readonly query: unknown;
}

/** What a data-plane handler reads of node:http's request ({@link ExchangeRequest.raw}). */
export type ExchangeIncoming = Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'rawHeaders' | 'httpVersion' | 'httpVersionMajor' | 'httpVersionMinor' | 'socket' | 'complete'>;

/** The part of a reply such a handler writes; Fastify's reply and {@link PlaneReply} both have it. */
export interface ExchangeReply {
  readonly raw: ServerResponse;
  /** The request this answers. */
  readonly request: ExchangeRequest;
  /** The answer has started (its headers are out): nothing more can be set. */
  readonly sent: boolean;
  readonly statusCode: number;
  code(statusCode: number): ExchangeReply;
  header(name: string, value: string | number | string[]): ExchangeReply;
  headers(values: Record<string, string | number | string[]>): ExchangeReply;
  getHeader(name: string): unknown;
  /** A Buffer or string as is, a stream piped, anything else as JSON; nothing: an empty body. */
  send(payload?: Buffer | string | Readable | object): ExchangeReply;
  /**
   * Calls `listener` once when the answer is handed to the socket whole (`raw`'s `finish`), holding
   * it no longer after, and returns true; false when the answer is node:http's response (then listen
   * on `raw`). The data plane's reply behind the llhttp front holds it without making `raw`.
   */
  whenFinished?(listener: () => void): boolean;
}
