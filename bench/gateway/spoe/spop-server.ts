/**
 * A SPOP agent server (an SPOA, HAProxy's SPOE.txt §3): accepts HAProxy's
 * connections, answers the HELLO handshake (SPOP 2.0, pipelining; no
 * fragmentation, no async), hands each NOTIFY's messages to a handler and
 * sends its actions back in the ACK, and answers a DISCONNECT with its own.
 *
 * Pipelined: HAProxy may send many NOTIFY frames on a connection before
 * the first ACK; each is acknowledged when its handler answers, in any
 * order. A handler that answers synchronously costs no promise, and the
 * ACKs of one turn of the event loop share one write: the socket is corked
 * until `setImmediate`, after the turn's I/O callbacks and the promises
 * they resolved. (Against uncorking on `nextTick`, two pairs of runs
 * measured no difference: under load each read brings a frame or two.)
 */
import { createServer, type Server, type Socket } from 'node:net';
import { SpopDecodeError, type SpopValue } from './spop-data.js';
import { decodeFrame, encodeAck, encodeKvFrame, FLAG_FIN, FRAME_TYPE, FrameSplitter, MIN_FRAME_SIZE, SPOP_STATUS, SpopFrameTooBig, type SpopAction, type SpopMessage } from './spop-frame.js';

/** Answers one NOTIFY: the actions of its ACK, now or later. */
export type SpopHandler = (messages: readonly SpopMessage[], streamId: number, frameId: number) => readonly SpopAction[] | Promise<readonly SpopAction[]>;

export interface SpopServerOptions {
  handler: SpopHandler;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** The largest frame this agent accepts (the smaller of this and HAProxy's is agreed). Default 16,380, HAProxy's default. */
  maxFrameSize?: number;
  /** Told of a handler that threw (the NOTIFY is acknowledged with no action: HAProxy's rules then see no verdict). */
  onHandlerError?: (err: unknown) => void;
}

export interface SpopServer {
  readonly port: number;
  /** Frames and connections handled so far; `reads` and `writes`: socket reads and writes (frames per syscall, the loopback's cost per call). */
  readonly stats: { connections: number; notifies: number; reads: number; writes: number; handlerErrors: number; protocolErrors: number };
  close(): Promise<void>;
}

const SUPPORTED_VERSION = '2.0';
const DEFAULT_MAX_FRAME_SIZE = 16_380;

/** Starts listening; resolves once bound. */
export async function startSpopServer(options: SpopServerOptions): Promise<SpopServer> {
  const stats = { connections: 0, notifies: 0, reads: 0, writes: 0, handlerErrors: 0, protocolErrors: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new SpopConnection(socket, options, stats);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as { port: number }).port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A comma-separated list, spaces ignored (SPOE.txt §3.2.4). */
function listOf(value: SpopValue | undefined): string[] | undefined {
  return typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

/** One HAProxy connection: handshake, then NOTIFY → ACK until a DISCONNECT. */
class SpopConnection {
  readonly #socket: Socket;
  readonly #options: SpopServerOptions;
  readonly #stats: SpopServer['stats'];
  readonly #splitter: FrameSplitter;
  #ready = false;
  #closing = false;
  #corked = false;

  constructor(socket: Socket, options: SpopServerOptions, stats: SpopServer['stats']) {
    this.#socket = socket;
    this.#options = options;
    this.#stats = stats;
    this.#splitter = new FrameSplitter(options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    // A reset by HAProxy (or a write after it left) ends this connection only.
    socket.on('error', () => socket.destroy());
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    this.#stats.reads++;
    let frames: Buffer[];
    try {
      frames = this.#splitter.push(chunk);
    } catch (err) {
      if (err instanceof SpopFrameTooBig) return this.#disconnect(SPOP_STATUS.TOO_BIG, err.message);
      throw err;
    }
    for (const frame of frames) {
      if (this.#closing) return;
      try {
        this.#onFrame(frame);
      } catch (err) {
        if (!(err instanceof SpopDecodeError)) throw err;
        return this.#disconnect(SPOP_STATUS.INVALID, err.message);
      }
    }
  }

  #onFrame(bytes: Buffer): void {
    const frame = decodeFrame(bytes, 0, bytes.length);
    if (!this.#ready) {
      if (frame.type === FRAME_TYPE.HAPROXY_DISCONNECT) return this.#disconnect(SPOP_STATUS.NORMAL, 'bye');
      if (frame.type !== FRAME_TYPE.HAPROXY_HELLO || !('kv' in frame)) return this.#disconnect(SPOP_STATUS.INVALID, 'HAPROXY-HELLO expected first');
      return this.#hello(frame.kv);
    }
    if (frame.type === FRAME_TYPE.NOTIFY && 'messages' in frame) {
      // Fragmentation was not announced: a NOTIFY must come whole.
      if ((frame.flags & FLAG_FIN) === 0) return this.#disconnect(SPOP_STATUS.FRAGMENTATION, 'fragmented payloads are not supported');
      this.#stats.notifies++;
      return this.#notify(frame.streamId, frame.frameId, frame.messages);
    }
    if (frame.type === FRAME_TYPE.HAPROXY_DISCONNECT) return this.#disconnect(SPOP_STATUS.NORMAL, 'bye');
    if (frame.type === FRAME_TYPE.UNSET) return this.#disconnect(SPOP_STATUS.FRAGMENTATION, 'fragmented payloads are not supported');
    // Any other type is skipped (SPOE.txt §3.2.2).
  }

  #hello(kv: Map<string, SpopValue>): void {
    const versions = listOf(kv.get('supported-versions'));
    if (versions === undefined) return this.#disconnect(SPOP_STATUS.NO_VERSION, 'supported-versions missing');
    // "2.0" announced means every 2.x up to it: this agent speaks 2.0.
    if (!versions.some((v) => /^2\.\d+$/.test(v))) return this.#disconnect(SPOP_STATUS.BAD_VERSION, `no SPOP 2.x in ${versions.join(',')}`);
    const theirs = kv.get('max-frame-size');
    if (typeof theirs !== 'number') return this.#disconnect(SPOP_STATUS.NO_FRAME_SIZE, 'max-frame-size missing');
    if (theirs < MIN_FRAME_SIZE) return this.#disconnect(SPOP_STATUS.BAD_FRAME_SIZE, `max-frame-size ${theirs} under ${MIN_FRAME_SIZE}`);
    const capabilities = listOf(kv.get('capabilities'));
    if (capabilities === undefined) return this.#disconnect(SPOP_STATUS.NO_CAPABILITIES, 'capabilities missing');
    const size = Math.min(theirs, this.#splitter.maxFrameSize);
    this.#splitter.maxFrameSize = size;
    const ours = capabilities.includes('pipelining') ? 'pipelining' : '';
    this.#send(encodeKvFrame(FRAME_TYPE.AGENT_HELLO, [['version', SUPPORTED_VERSION], ['max-frame-size', size], ['capabilities', ours]]));
    // A health check closes after the HELLO (SPOE.txt §3.2.5).
    if (kv.get('healthcheck') === true) {
      this.#closing = true;
      this.#socket.end();
      return;
    }
    this.#ready = true;
  }

  #notify(streamId: number, frameId: number, messages: SpopMessage[]): void {
    let answer: readonly SpopAction[] | Promise<readonly SpopAction[]>;
    try {
      answer = this.#options.handler(messages, streamId, frameId);
    } catch (err) {
      answer = this.#failed(err);
    }
    if (!(answer instanceof Promise)) return this.#send(encodeAck(streamId, frameId, answer));
    answer.then(
      (actions) => this.#send(encodeAck(streamId, frameId, actions)),
      (err: unknown) => this.#send(encodeAck(streamId, frameId, this.#failed(err))),
    );
  }

  #failed(err: unknown): readonly SpopAction[] {
    this.#stats.handlerErrors++;
    this.#options.onHandlerError?.(err);
    return [];
  }

  /** Writes a frame; the frames of one turn of the event loop leave in one write. */
  #send(frame: Buffer): void {
    if (this.#socket.destroyed || this.#closing) return;
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      setImmediate(() => {
        this.#stats.writes++;
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(frame);
  }

  #disconnect(status: number, message: string): void {
    if (status !== SPOP_STATUS.NORMAL) this.#stats.protocolErrors++;
    this.#send(encodeKvFrame(FRAME_TYPE.AGENT_DISCONNECT, [['status-code', status], ['message', message]]));
    this.#closing = true;
    this.#socket.end();
  }
}
