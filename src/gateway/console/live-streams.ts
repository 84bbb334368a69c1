/**
 * The console's live streams (Tasks and Audit, docs/console.md) as server-sent
 * events: a bounded number per caller and in all, each for a bounded time
 * (the browser reconnects), and closed when the client reads too slowly.
 * The browser opens them with fetch and its Authorization header, never with
 * a token in the URL (EventSource cannot send headers).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { onDrain, openSse, type SseStream } from '../../http/index.js';
import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';

/** Live streams one caller (subject) may hold at once: a few tabs. */
export const MAX_LIVE_STREAMS_PER_CALLER = 4;
/** Live streams of every caller together, on this replica. */
export const MAX_LIVE_STREAMS = 64;
/** A stream ends after this long; the console opens the next one (so a revoked credential stops streaming). */
export const LIVE_STREAM_LIFETIME_MS = 10 * 60_000;
/** Bytes waiting to be sent past which a stream is closed: its reader is not keeping up. */
export const MAX_UNSENT_BYTES = 1024 * 1024;

/** Counts the open live streams, per caller and in all. */
export class LiveStreamSlots {
  readonly #byCaller = new Map<string, number>();
  #total = 0;

  /** Takes a slot for `caller`, or refuses with 429 when it or the replica holds its most. */
  take(caller: string): void {
    const held = this.#byCaller.get(caller) ?? 0;
    if (held >= MAX_LIVE_STREAMS_PER_CALLER || this.#total >= MAX_LIVE_STREAMS) {
      throw new AgentmeshError(ErrorCodes.GATEWAY_CONCURRENCY_LIMIT, `At most ${MAX_LIVE_STREAMS_PER_CALLER} live console streams per caller and ${MAX_LIVE_STREAMS} in all; close another tab and retry`, {
        expose: true,
        details: { limit: String(held >= MAX_LIVE_STREAMS_PER_CALLER ? MAX_LIVE_STREAMS_PER_CALLER : MAX_LIVE_STREAMS) },
      });
    }
    this.#byCaller.set(caller, held + 1);
    this.#total += 1;
  }

  give(caller: string): void {
    const held = (this.#byCaller.get(caller) ?? 1) - 1;
    if (held <= 0) this.#byCaller.delete(caller);
    else this.#byCaller.set(caller, held);
    this.#total = Math.max(0, this.#total - 1);
  }

  get open(): number {
    return this.#total;
  }
}

/** A live stream: send frames until `closed`; `tooSlow` says when to stop writing. */
export interface LiveStream {
  readonly sse: SseStream;
  /** True when the client left unread more than {@link MAX_UNSENT_BYTES}: the stream is closed. */
  tooSlow(): boolean;
}

/**
 * Opens a live stream for `caller` (its slot given back when it ends), ended
 * after {@link LIVE_STREAM_LIFETIME_MS} or when the server drains.
 */
export function openLiveStream(app: FastifyInstance, slots: LiveStreamSlots, caller: string, request: FastifyRequest, reply: FastifyReply): LiveStream {
  slots.take(caller);
  const sse = openSse(request, reply, { heartbeatMs: 15_000, onDrain: (close) => onDrain(app, close) });
  const lifetime = setTimeout(sse.close, LIVE_STREAM_LIFETIME_MS).unref();
  let given = false;
  const release = () => {
    if (given) return;
    given = true;
    clearTimeout(lifetime);
    slots.give(caller);
  };
  reply.raw.once('close', release);
  if (sse.closed) release();
  return {
    sse,
    tooSlow: () => {
      if (reply.raw.writableLength <= MAX_UNSENT_BYTES) return false;
      sse.close();
      return true;
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
