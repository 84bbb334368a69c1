import type { Redis } from 'ioredis';
import { TopicHandlers, type Bus, type BusHandler } from './bus.js';

/** Longest a Redis command may go unanswered before its connection is dropped and re-opened. */
export const COMMAND_TIMEOUT_MS = 5_000;

/**
 * ioredis answers a command past `commandTimeout` with an error but keeps the
 * connection: a half-open one (the server went silent, no RST) would then fail
 * every command until the kernel gives up on it, minutes later. Reconnecting
 * at once is what makes `/ready` recover when the network heals.
 */
function dropIfSilent(client: Redis, err: unknown): void {
  if (err instanceof Error && err.message === 'Command timed out') client.disconnect(true);
}

/** Options of {@link RedisBus}. */
export interface RedisBusOptions {
  url: string;
  /** Stream key. Default `agentmesh:bus`. */
  stream?: string;
  /** Approximate number of entries the stream keeps. Default 100 000. */
  maxLength?: number;
  /** Called when the reader loop hits an error (it keeps going). */
  onError?: (err: unknown) => void;
}

/**
 * The bus across replicas, on one Redis Stream. Each process runs a single
 * reader (one blocking XREAD on its own connection) and fans messages out to
 * local subscribers by topic, so the connection count does not grow with the
 * number of open SSE streams.
 */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  #writer: Redis;
  #reader: Redis;
  #stream: string;
  #maxLength: number;
  #handlers = new TopicHandlers();
  #lastId = '0-0';
  #closed = false;
  #loop: Promise<void> | undefined;
  #onError: (err: unknown) => void;

  private constructor(options: RedisBusOptions, RedisClient: typeof Redis) {
    const common = {
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      lazyConnect: true,
      // A command unanswered this long means a dead connection (see #dropIfSilent); above XREAD's BLOCK of 1 s.
      commandTimeout: COMMAND_TIMEOUT_MS,
      // TCP keepalive: the kernel also notices a vanished peer on an idle connection.
      keepAlive: 10_000,
    } as const;
    this.#writer = new RedisClient(options.url, { ...common, maxRetriesPerRequest: 3 });
    this.#reader = new RedisClient(options.url, common);
    // Connection errors are retried by ioredis; they must not crash the process.
    this.#writer.on('error', () => undefined);
    this.#reader.on('error', () => undefined);
    this.#stream = options.stream ?? 'agentmesh:bus';
    this.#maxLength = options.maxLength ?? 100_000;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Connects both connections and starts reading from the stream's current end. */
  static async connect(options: RedisBusOptions): Promise<RedisBus> {
    // Loaded only when configured: the embedded mode never pays for the client.
    const { Redis: RedisClient } = await import('ioredis');
    const bus = new RedisBus(options, RedisClient);
    await Promise.all([bus.#writer.connect(), bus.#reader.connect()]);
    // Start from an explicit id, not '$': with '$' a message published between two XREADs would be lost.
    const last = (await bus.#writer.xrevrange(bus.#stream, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
    bus.#lastId = last[0]?.[0] ?? '0-0';
    bus.#loop = bus.#read();
    return bus;
  }

  async publish(topic: string, message: unknown): Promise<void> {
    try {
      await this.#writer.xadd(this.#stream, 'MAXLEN', '~', String(this.#maxLength), '*', 't', topic, 'm', JSON.stringify(message));
    } catch (err) {
      dropIfSilent(this.#writer, err);
      throw err;
    }
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    return this.#handlers.add(topic, handler);
  }

  async ping(): Promise<void> {
    try {
      await this.#writer.ping();
    } catch (err) {
      dropIfSilent(this.#writer, err);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#reader.disconnect();
    await this.#loop?.catch(() => undefined);
    await this.#writer.quit().catch(() => undefined);
  }

  async #read(): Promise<void> {
    while (!this.#closed) {
      try {
        const result = (await this.#reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', this.#stream, this.#lastId)) as Array<[string, Array<[string, string[]]>]> | null;
        if (!result) continue;
        for (const [, entries] of result) {
          for (const [id, fields] of entries) {
            this.#lastId = id;
            const topic = fields[1];
            const raw = fields[3];
            if (topic === undefined || raw === undefined) continue;
            let message: unknown;
            try {
              message = JSON.parse(raw);
            } catch {
              continue;
            }
            this.#handlers.dispatch(topic, message);
          }
        }
      } catch (err) {
        if (this.#closed) return;
        dropIfSilent(this.#reader, err);
        this.#onError(err);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
