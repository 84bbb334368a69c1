import { ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerInternals } from '../node-http-internals.js';
import { incomingOf, type Answer, type AnswerHost } from './front-answer.js';

/** Requests answered but not yet written after which reading stops (a pipelining client that never reads). */
export const MAX_QUEUED = 16;
/**
 * An answer's body written in one write with its head up to this size (by the front, and on node:http's
 * server by data-plane.ts); a larger one follows it (one writev): past it, the copy costs more than the writev.
 */
export const COPY_BODY_BYTES = 16_384;

/**
 * The answers of one connection behind the llhttp front, written in request order as node:http's
 * server writes them: whole by the front, or by a node:http `ServerResponse` that is given the socket
 * in its turn, detached and closed after it, with node:http's keep-alive deadline once none is left.
 * The connection's reading side (front-connection.ts) extends it.
 */
export abstract class FrontAnswerQueue implements AnswerHost {
  readonly socket: Socket;
  readonly internals: ServerInternals;
  protected readonly server: Server;
  /** Answers started or waiting, in request order; the first holds the socket. */
  protected readonly queue: Answer[] = [];
  /** The socket has timers (`setTimeout`): a `net.Socket`, not an in-memory duplex. */
  protected readonly timed: boolean;
  /** The keep-alive deadline is set on the socket (idle between requests). */
  protected keepAliveSet = false;
  /** The client half-closed with answers still to come: the connection closes once they are written (node:http's `_last` on the last). */
  protected clientEnded = false;
  #keepAliveTimeout = -1;
  #keepAliveLinesText = '';

  constructor(server: Server, socket: Socket, internals: ServerInternals) {
    this.server = server;
    this.socket = socket;
    this.internals = internals;
    // A connection handed over in memory (a duplex stream, in-process-servers.ts) has no timers: node:http skips them too.
    this.timed = typeof socket.setTimeout === 'function';
  }

  /** A request is being received (the keep-alive deadline waits for it). */
  protected abstract receiving(): boolean;
  /** The reading side let go of the socket (handed over, or closed). */
  protected abstract detached(): boolean;
  /** Every answer is written: true when the reading side takes the connection from here (a hand-over). */
  protected abstract answered(): boolean;
  /** Reading may go on (it waits while the connection is leaving). */
  protected abstract readable(): boolean;
  /** Closes the connection once what was written is out (node:http's `destroySoon`). */
  protected abstract close(): void;

  /** node:http's response for `answer`: its framing, header checks, keep-alive headers and back-pressure. */
  response(answer: Answer): ServerResponse {
    const res = new ServerResponse(incomingOf(answer.req));
    answer.res = res;
    if (answer.gone) {
      // As node:http's: the response of a connection already closed closed with it, before anyone could listen,
      // so a handler that asks for it late is told at once (its writes fail, `finished` reports the close).
      this.internals.close(res);
      return res;
    }
    this.internals.setKeepAliveTimeout(res, this.server.keepAliveTimeout);
    res.shouldKeepAlive = answer.keepAlive;
    // A finish listener the answer held while no response was made (the data plane's `whenFinished`)
    // is the response's now: left on the answer, it never ran for an answer streamed through the
    // response, and what it would have released (the forwarder's close listener on this socket) stayed
    // for as long as the kept-alive connection, one more a call.
    const onFinish = answer.onFinish;
    answer.onFinish = undefined;
    res.on('finish', () => {
      this.#finished(answer);
      onFinish?.();
    });
    res.once('close', () => answer.closed());
    if (this.queue[0] === answer && !this.detached()) res.assignSocket(this.socket);
    return res;
  }

  /** The head of `answer` written whole (see {@link Answer.writeWhole}): now, or when the answers before it are out. */
  whole(answer: Answer): void {
    if (this.queue[0] === answer) this.#write(answer);
  }

  /** `res.destroy()` of an answer not written whole: the connection is cut (now, or when its turn comes). */
  cut(answer: Answer): void {
    if (this.queue[0] === answer) this.socket.destroy();
  }

  /** The keep-alive lines node:http adds to an answer on a connection kept open (`Keep-Alive` with the server's deadline). */
  keepAliveLines(): string {
    const timeout = this.server.keepAliveTimeout;
    if (timeout !== this.#keepAliveTimeout) {
      this.#keepAliveTimeout = timeout;
      this.#keepAliveLinesText = timeout ? `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(timeout / 1000)}\r\n` : 'Connection: keep-alive\r\n';
    }
    return this.#keepAliveLinesText;
  }

  /** The response that holds the socket now (a stream being written), as node:http's `socket._httpMessage`. */
  protected holder(): ServerResponse | undefined {
    const res = this.queue[0]?.res;
    return res !== undefined && res.socket === this.socket ? res : undefined;
  }

  /** The connection closed: answers not yet written close with it (a response holding the socket hears it from the socket). */
  protected closeQueued(): void {
    for (const answer of this.queue) {
      if (answer.res === undefined) answer.closed();
      else if (answer.res.socket !== this.socket) this.internals.close(answer.res);
    }
    this.queue.length = 0;
  }

  /**
   * Head and body in one write of the socket. A body up to {@link COPY_BODY_BYTES} is copied behind its
   * head into one buffer: one `write` of one buffer costs a fraction of the corked pair node:http's `end`
   * sends (its buffered write, `writev`'s chunk list and the native copy of each chunk;
   * docs/perf-journal/gateway-and-fleet-2026-11-28.md, "Per-call cuts on an Intel host").
   * A larger body follows its head in one `writev`, as before.
   */
  #write(answer: Answer): void {
    const socket = this.socket;
    if (answer.cutPending) {
      socket.destroy();
      return;
    }
    const head = answer.head!;
    const body = answer.body;
    answer.head = undefined;
    answer.body = undefined;
    if (socket.destroyed) return;
    if (body === undefined) {
      socket.write(head, 'latin1', this.#written);
    } else if (typeof body === 'string') {
      // As node:http: a string body is sent with its head as one string (utf8).
      socket.write(head + body, this.#written);
    } else if (body.length <= COPY_BODY_BYTES) {
      // The head is latin1 (its values passed node:http's header-character check): a byte a character.
      const bytes = Buffer.allocUnsafe(head.length + body.length);
      bytes.write(head, 0, 'latin1');
      bytes.set(body, head.length);
      socket.write(bytes, this.#written);
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body, this.#written);
      socket.uncork();
    }
  }

  /** The socket took the head answer's last bytes (in order: only the head answer writes). */
  readonly #written = (err?: Error | null): void => {
    // As node:http: no `finish` for an answer whose socket failed (its close ends the answer).
    if (err) return;
    const answer = this.queue[0];
    if (answer !== undefined && answer.res === undefined) this.#finished(answer);
  };

  #finished(answer: Answer): void {
    const queue = this.queue;
    const socket = this.socket;
    if (queue[0] !== answer) return;
    queue.shift();
    const res = answer.res;
    if (res !== undefined) {
      // As node:http's server: detached, and closed on the next tick.
      res.detachSocket(socket);
      process.nextTick(this.internals.close, res);
    } else {
      answer.finished();
      process.nextTick(closeAnswer, answer);
    }
    if ((res !== undefined ? this.internals.closesConnection(res) : answer.last) || !this.server.listening) {
      this.close();
      return;
    }
    const next = queue[0];
    if (next !== undefined) {
      if (next.res !== undefined) next.res.assignSocket(socket);
      else if (next.head !== undefined || next.cutPending) this.#write(next);
    } else {
      if (this.answered()) return;
      if (this.clientEnded) {
        this.close();
        return;
      }
      const keepAlive = this.server.keepAliveTimeout;
      if (!this.receiving() && Number.isFinite(keepAlive) && keepAlive > 0 && this.timed) {
        // As node:http: the connection is kept a little past the deadline its Keep-Alive header gives (its
        // `keepAliveTimeoutBuffer`, 1 s by default), so a client reusing it just before then meets no reset.
        const buffer = this.server.keepAliveTimeoutBuffer;
        socket.setTimeout(keepAlive + (typeof buffer === 'number' && Number.isFinite(buffer) && buffer >= 0 ? buffer : 1000));
        this.keepAliveSet = true;
      }
    }
    if (socket.isPaused() && queue.length < MAX_QUEUED && this.readable()) socket.resume();
  }
}

function closeAnswer(answer: Answer): void {
  answer.closed();
}
