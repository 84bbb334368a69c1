import type { IncomingHttpHeaders, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Llhttp, ServerInternals } from '../node-http-internals.js';
import type { FrontAnswer } from './front-answer.js';
import type { ExchangeIncoming } from './exchange.js';

/** What the front needs of the data plane (data-plane.ts builds it). */
export interface FrontPlane {
  /** Whether a request (method, path, headers known) is the plane's: the same test node:http's listener makes. */
  serves(req: ExchangeIncoming): boolean;
  /** Serves a request read whole (`body` undefined: none, or one over the limit, `tooLarge`). */
  serveRead(req: ExchangeIncoming, answer: FrontAnswer, body: Buffer | undefined, tooLarge: boolean): void;
  /** A request whose body was cut: recorded when `answer` closes (a 400), as node:http's plane records it. */
  cut(req: ExchangeIncoming, answer: FrontAnswer): void;
}

/** What a connection of the front is given (llhttp-front.ts). */
export interface FrontOptions {
  llhttp: Llhttp;
  internals: ServerInternals;
  plane: FrontPlane;
  /** node:http's connection listener, the one the server was made with. */
  nodeListener: (this: Server, socket: Socket) => void;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  bodyLimitBytes: number;
}

/** What the plane and its handlers read of a request, shaped as node:http's (no stream: its body is read whole). */
export function requestOf(socket: Socket, method: string, url: string, raw: string[], addHeaderLine: ServerInternals['addHeaderLine']): ExchangeIncoming {
  const headers: IncomingHttpHeaders = {};
  for (let i = 0; i < raw.length; i += 2) addHeaderLine(raw[i]!, raw[i + 1]!, headers);
  return { method, url, headers, rawHeaders: raw, httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1, socket, complete: true };
}

