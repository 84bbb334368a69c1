import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** Answers up to this size with a Content-Length, not event streams, are read whole (64 KiB). */
export const SMALL_BODY_BYTES = 65_536;

/** An instance's answer: small ones whole (`bytes`), the rest as a stream (`body`); exactly one is set, or neither for a bodiless answer. */
export interface UpstreamAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The whole body of a small, sized answer. */
  bytes: Buffer | undefined;
  /** The body of a large or open-ended answer (an SSE stream), still to be read. */
  body: Readable | undefined;
}

/** What one exchange needs. */
export interface ExchangeRequest {
  origin: string;
  path: string;
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body: Buffer | string | null;
}

/** What an exchange in flight offers {@link ExchangeAbort}. */
export interface Abortable {
  abort(reason: Error): void;
}

/**
 * Lets the forwarder stop the exchange in flight (the client went away, or
 * the gateway's own deadline): one object per call, no AbortController, no
 * signal listeners inside undici: an AbortController nobody waits on is
 * allocation per request for nothing (CONTRIBUTING.md, "Hot paths").
 */
export class ExchangeAbort {
  #controller: Abortable | undefined;
  #reason: Error | undefined;

  /** Set once `abort` was called. */
  get reason(): Error | undefined {
    return this.#reason;
  }

  abort(reason: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }

  /** @internal the exchange in flight (undici's controller, or the llhttp client's exchange). */
  attach(controller: Abortable): void {
    this.#controller = controller;
    if (this.#reason !== undefined) controller.abort(this.#reason);
  }
}

/**
 * One request to one instance through undici's dispatch API, resolving with
 * the answer: a small answer with a Content-Length (most A2A calls) once it
 * is whole, as bytes; anything else at its headers, with a stream that
 * applies back-pressure to the socket (pause/resume) and aborts the request
 * when destroyed.
 *
 * Against `dispatcher.request()` this saves, per call, the body stream and
 * its listeners, the AbortSignal wiring, and the copy `arrayBuffer()` makes
 * (docs/perf-journal/gateway-and-fleet-2026-11-22-to-25.md, "Where the gateway's CPU goes").
 */
export function exchange(dispatcher: Dispatcher, request: ExchangeRequest, abort: ExchangeAbort): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch({ origin: request.origin, path: request.path, method: request.method, headers: request.headers, body: request.body }, new AnswerHandler(resolve, reject, abort));
  });
}

/** Collects or streams one answer (a plain class: its methods are shared, not closures per call). */
class AnswerHandler implements Dispatcher.DispatchHandler {
  readonly #resolve: (answer: UpstreamAnswer) => void;
  readonly #reject: (err: unknown) => void;
  readonly #abort: ExchangeAbort;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  /** Buffering a small answer: its chunks. */
  #chunks: Buffer[] | undefined;
  #length = 0;
  /** Streaming a large one. */
  #stream: Readable | undefined;
  #settled = false;

  constructor(resolve: (answer: UpstreamAnswer) => void, reject: (err: unknown) => void, abort: ExchangeAbort) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#abort = abort;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#abort.attach(controller);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx informational answers come before the real one.
    if (statusCode < 200) return;
    this.#status = statusCode;
    this.#headers = headers;
    const length = Number(headers['content-length']);
    if (length <= SMALL_BODY_BYTES && !String(headers['content-type'] ?? '').startsWith('text/event-stream')) {
      this.#chunks = [];
      return;
    }
    const stream = new Readable({
      read: () => controller.resume(),
      destroy: (err, callback) => {
        // The reader left (the client went away): stop reading the instance.
        if (!controller.aborted && this.#stream?.readableEnded !== true) controller.abort(err ?? new Error('the answer was abandoned'));
        callback(err);
      },
    });
    this.#stream = stream;
    this.#settle({ statusCode, headers, bytes: undefined, body: stream });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#chunks !== undefined) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
      return;
    }
    if (this.#stream !== undefined && !this.#stream.push(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    if (this.#stream !== undefined) {
      this.#stream.push(null);
      return;
    }
    const chunks = this.#chunks ?? [];
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#length);
    this.#settle({ statusCode: this.#status, headers: this.#headers, bytes, body: undefined });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.#stream !== undefined) {
      this.#stream.destroy(err);
      return;
    }
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(err);
  }

  #settle(answer: UpstreamAnswer): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(answer);
  }
}
