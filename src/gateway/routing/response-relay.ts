import { Readable, Transform, finished } from 'node:stream';
import type { ExchangeReply } from '../../http/index.js';
import type { Logger } from '../../observability/index.js';
import { setClientResponseHeaders } from './forward-headers.js';
import type { UpstreamAnswer } from './upstream-exchange.js';

/** How relaying went. */
export interface RelayOutcome {
  /** The upstream body failed midway (the client's response was cut), or undefined. */
  bodyError: unknown;
}

/** An answer written whole: nothing broke off (one shared outcome, not an object per call). */
const RELAYED: RelayOutcome = Object.freeze({ bodyError: undefined });

/** Statuses that carry no body (RFC 9110 §6.4.1). */
const NO_BODY = new Set([204, 304]);

/**
 * Sends an instance's answer to the client and resolves once it is written:
 * for a streamed body, once the client's response is over (complete, or cut
 * because either side went away).
 *
 * The body goes through Fastify's `reply.send(stream)`: the gateway's hooks
 * still run (request id, security headers, metrics), and Fastify pipes it,
 * which gives the three properties a proxy needs: each chunk is written as
 * it arrives (an SSE event reaches the client without waiting for the
 * next; nothing here buffers), `pipe` pauses reading the instance while the
 * client's socket is full (undici then stops reading the socket, and TCP
 * pushes back on the agent), and a client that leaves destroys the body,
 * which aborts the upstream request.
 *
 * A small answer with a Content-Length (up to 64 KiB, not an event
 * stream: most A2A calls) arrives whole (upstream-exchange.ts) and is sent
 * in one write instead, which saves a pipe and its listeners per request.
 *
 * `tap` sees every chunk before the client does (the gateway reads a task
 * id or hashes the answer for the audit); it runs in a Transform, because a
 * `data` listener would start the flow before Fastify's pipe is attached.
 *
 * `beforeRelease` runs once the whole answer has been seen by `tap` and
 * before the client has it: before the one write of an answer held whole,
 * before the end of a streamed one (ADR 0035: what the call settled and
 * audited is committed before the caller can act on the answer). It is not
 * run for an answer without a body, nor for a body that broke off. When it
 * returns no promise (its work done at once), an answer held whole is
 * written in the same turn of the microtask queue (ADR 0057).
 */
export async function relayAnswer(
  answer: UpstreamAnswer,
  reply: ExchangeReply,
  options: { method: string; tap?: ((chunk: Buffer) => void) | undefined; beforeRelease?: ((status: number) => Promise<void> | undefined) | undefined; log: Logger },
): Promise<RelayOutcome> {
  setClientResponseHeaders(answer.headers, reply.code(answer.statusCode));
  // An answer without a body, or held whole, is written by one `end`: once it is handed to the
  // socket there is nothing left to wait for (a client gone by then changes nothing the gateway
  // records), so no `finished` listeners per call on the common path.
  if (options.method === 'HEAD' || NO_BODY.has(answer.statusCode) || (answer.bytes === undefined && answer.body === undefined)) {
    discard(answer);
    reply.send();
    return RELAYED;
  }
  const tap = options.tap;
  const beforeRelease = options.beforeRelease;
  if (answer.bytes !== undefined) {
    if (tap !== undefined) runTap(tap, answer.bytes, options.log);
    const releasing = beforeRelease === undefined ? undefined : runBeforeRelease(beforeRelease, answer.statusCode, options.log);
    if (releasing !== undefined) await releasing;
    reply.send(answer.bytes);
    return RELAYED;
  }
  // A streamed body may break off: the outcome says so, so it is the call's own.
  const outcome: RelayOutcome = { bodyError: undefined };
  const raw = reply.raw;
  const over = new Promise<void>((resolve) => {
    finished(raw, () => resolve());
  });
  const body = answer.body!;
  body.on('error', (err) => {
    outcome.bodyError ??= err;
  });
  if (tap === undefined && beforeRelease === undefined) {
    reply.send(body);
  } else {
    const status = answer.statusCode;
    const tapped = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (tap !== undefined) runTap(tap, chunk, options.log);
        callback(null, chunk);
      },
      // The end of the stream waits for what the call must have written.
      ...(beforeRelease !== undefined && {
        flush(callback) {
          const releasing = runBeforeRelease(beforeRelease, status, options.log);
          if (releasing === undefined) callback();
          else void releasing.then(() => callback());
        },
      }),
    });
    tie(body, tapped);
    reply.send(tapped);
  }
  await over;
  return outcome;
}

/**
 * `body.pipe(tapped)` with the two ends tied as `stream.pipeline` ties them: the upstream body's
 * failure cuts the relay (and with it the client's response), and a relay cut before its end (the
 * client left) stops reading the upstream body, which aborts the request. Not `pipeline` itself: its
 * end aborts an AbortController of its own, whose DOMException alone was 3 % of a streamed call's CPU.
 */
function tie(body: Readable, tapped: Transform): void {
  body.on('error', (err) => tapped.destroy(err));
  tapped.once('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  if (body.destroyed && !body.readableEnded) {
    // Already over without its end (the exchange was aborted meanwhile): nothing will end the relay.
    tapped.destroy(body.errored ?? new Error('the upstream body closed before its end'));
    return;
  }
  body.pipe(tapped);
}

/**
 * A failure of `beforeRelease` is logged and the answer released anyway: the
 * agent did the work, the caller gets it. A promise only when it returned one.
 */
function runBeforeRelease(beforeRelease: (status: number) => Promise<void> | undefined, status: number, log: Logger): Promise<void> | undefined {
  try {
    return beforeRelease(status)?.catch((err: unknown) => releaseFailed(log, err));
  } catch (err) {
    releaseFailed(log, err);
    return undefined;
  }
}

function releaseFailed(log: Logger, err: unknown): void {
  log.error({ err }, 'what the call wrote before its answer was released failed; the answer is released anyway');
}

function runTap(tap: (chunk: Buffer) => void, chunk: Buffer, log: Logger): void {
  try {
    tap(chunk);
  } catch (err) {
    log.warn({ err }, 'the response tap failed; the answer is relayed anyway');
  }
}

/** Drops an answer's body nobody will read, releasing its connection. */
export function discard(answer: UpstreamAnswer): void {
  const body = answer.body;
  if (body === undefined) return;
  // undici's body has `dump()` (its connection back to the pool without reading); any other stream is drained.
  if ('dump' in body && typeof body.dump === 'function') Promise.resolve(Reflect.apply(body.dump, body, [])).catch(() => undefined);
  else body.resume().on('error', () => undefined);
}

/** A body whose first bytes were already read (`head`): those bytes, then the rest. */
export function prefixed(head: Buffer, rest: Readable | undefined): Readable {
  if (rest === undefined) return Readable.from([head]);
  return Readable.from(
    (async function* () {
      yield head;
      yield* rest;
    })(),
  );
}

/** Reads up to `maxBytes` of a body: the bytes, and the body itself when more remains. */
export async function readHead(body: Readable, maxBytes: number): Promise<{ head: Buffer; rest: Readable | undefined }> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    // An undici body yields Buffers; anything else is made one.
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    chunks.push(bytes);
    total += bytes.length;
    if (total >= maxBytes) return { head: Buffer.concat(chunks, total), rest: body };
  }
  return { head: Buffer.concat(chunks, total), rest: undefined };
}
