import type { Redis } from 'ioredis';
import { Errors, errorMessage } from '../../protocol/index.js';
import { TopicHandlers, unsubscriber, type Bus, type BusHandler, type Unsubscribe } from './bus.js';

/** Longest a Redis command may go unanswered before its connection is dropped and re-opened. */
export const COMMAND_TIMEOUT_MS = 5_000;

/** How often the subscriber connection is pinged: it sends nothing else, so silence would go unnoticed. */
export const HEARTBEAT_MS = 2_000;

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
  /** Prefix of the channel names: topic `t` travels on `<namespace>:t`. Default `agentmesh:bus`. */
  namespace?: string;
  /** Former name of `namespace` (the key of the single stream the bus used before ADR 0023). */
  stream?: string;
  /** Called when a subscription or the subscriber's heartbeat fails (the bus keeps going). */
  onError?: (err: unknown) => void;
  /**
   * Sharded pub/sub (`SPUBLISH`, Redis ≥ 7) or classic (`PUBLISH`, what a
   * Redis 6 has). Default: sharded when the server knows `SPUBLISH`.
   */
  sharded?: boolean;
}

/** The commands and event of one pub/sub flavour. */
interface PubSubCommands {
  publish: 'spublish' | 'publish';
  subscribe: 'ssubscribe' | 'subscribe';
  unsubscribe: 'sunsubscribe' | 'unsubscribe';
  message: 'smessage' | 'message';
}

const SHARDED: PubSubCommands = { publish: 'spublish', subscribe: 'ssubscribe', unsubscribe: 'sunsubscribe', message: 'smessage' };
const CLASSIC: PubSubCommands = { publish: 'publish', subscribe: 'subscribe', unsubscribe: 'unsubscribe', message: 'message' };

/** Reads what the counters of a {@link RedisBus} say. */
export interface RedisBusStats {
  /** Messages this process received from Redis (what it reads, whoever it was for). */
  received: number;
  /** Channels this process is subscribed to now. */
  channels: number;
  /** Sharded pub/sub (Redis ≥ 7), or classic. */
  sharded: boolean;
}

/**
 * The bus across replicas, on Redis sharded pub/sub (SPUBLISH / SSUBSCRIBE,
 * ADR 0023): a topic is a channel, and a process subscribes to a channel only
 * while one of its subscribers follows the topic. What a replica receives is
 * therefore what its own subscribers follow — the tasks it runs or streams —
 * not everything every replica publishes; and on a Redis Cluster each channel
 * lives on the shard of its hash slot, so the bus scales out with shards.
 *
 * Pub/sub keeps nothing: a message published while a subscriber's connection
 * is down is lost. That is the bus's contract ({@link Bus}): whatever must
 * survive is in the database first, and subscribers re-read it (a task stream
 * fills gaps from the task's log and polls it when quiet).
 *
 * One connection publishes, one holds every subscription of the process, so
 * the connection count does not grow with the number of open SSE streams.
 * On a Redis without sharded pub/sub (6.x) the same runs on classic
 * `PUBLISH`/`SUBSCRIBE`: as selective on one server, not spread over a
 * cluster's shards.
 */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  #writer: Redis;
  #subscriber: Redis;
  #prefix: string;
  #handlers = new TopicHandlers();
  /** Per subscribed topic, the promise of its SSUBSCRIBE. */
  #ready = new Map<string, Promise<void>>();
  #closed = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #onError: (err: unknown) => void;
  #received = 0;
  #commands: PubSubCommands = SHARDED;

  private constructor(options: RedisBusOptions, RedisClient: typeof Redis) {
    const common = {
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      lazyConnect: true,
      // A command unanswered this long means a dead connection (see dropIfSilent).
      commandTimeout: COMMAND_TIMEOUT_MS,
      // TCP keepalive: the kernel also notices a vanished peer on an idle connection.
      keepAlive: 10_000,
    } as const;
    // Auto-pipelining: the publishes of one event-loop turn (a committed batch releases many tasks' events at
    // once) leave in one socket write, not one write and one Redis wake-up each.
    this.#writer = new RedisClient(options.url, { ...common, maxRetriesPerRequest: 3, enableAutoPipelining: true });
    // ioredis subscribes again on every reconnect (autoResubscribe).
    this.#subscriber = new RedisClient(options.url, common);
    // Connection errors are retried by ioredis; they must not crash the process.
    this.#writer.on('error', () => undefined);
    this.#subscriber.on('error', () => undefined);
    this.#prefix = `${options.namespace ?? options.stream ?? 'agentmesh:bus'}:`;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Connects both connections; the process then receives what is published on the topics it subscribes to. */
  static async connect(options: RedisBusOptions): Promise<RedisBus> {
    // Loaded only when configured: the embedded mode never pays for the client.
    const { Redis: RedisClient } = await import('ioredis');
    const bus = new RedisBus(options, RedisClient);
    // ioredis rejects a first connection that fails with its own "Connection is closed.", and hands what the
    // socket said (ECONNREFUSED, ENOTFOUND, a refused password) to the error listeners: keep it for the message.
    let refused: unknown;
    const remember = (err: unknown) => (refused ??= err);
    bus.#writer.on('error', remember);
    bus.#subscriber.on('error', remember);
    try {
      await Promise.all([bus.#writer.connect(), bus.#subscriber.connect()]);
    } catch (err) {
      // Both stop reconnecting, so the process can exit with the error instead of retrying in the background.
      bus.#closed = true;
      bus.#writer.disconnect();
      bus.#subscriber.disconnect();
      const cause = refused ?? err;
      throw Errors.redisConnectionFailed({ reason: errorMessage(cause) }, { cause });
    } finally {
      bus.#writer.off('error', remember);
      bus.#subscriber.off('error', remember);
    }
    // COMMAND INFO answers [null] for a command the server does not have (Redis 6: no sharded pub/sub).
    const sharded = options.sharded ?? ((await bus.#writer.call('COMMAND', 'INFO', 'SPUBLISH')) as unknown[])[0] != null;
    bus.#commands = sharded ? SHARDED : CLASSIC;
    bus.#subscriber.on(bus.#commands.message, (channel: string, raw: string) => bus.#deliver(channel, raw));
    bus.#heartbeat = setInterval(() => bus.#beat(), HEARTBEAT_MS);
    bus.#heartbeat.unref();
    return bus;
  }

  async publish(topic: string, message: unknown): Promise<void> {
    try {
      await this.#writer[this.#commands.publish](this.#prefix + topic, JSON.stringify(message));
    } catch (err) {
      dropIfSilent(this.#writer, err);
      throw err;
    }
  }

  subscribe(topic: string, handler: BusHandler): Unsubscribe {
    const remove = this.#handlers.add(topic, handler);
    let ready = this.#ready.get(topic);
    if (!ready) {
      ready = this.#channel(this.#commands.subscribe, topic);
      this.#ready.set(topic, ready);
    }
    let done = false;
    return unsubscriber(() => {
      if (done) return;
      done = true;
      remove();
      if (this.#handlers.has(topic) || this.#closed) return;
      this.#ready.delete(topic);
      void this.#channel(this.#commands.unsubscribe, topic);
    }, ready);
  }

  async ping(): Promise<void> {
    try {
      await this.#writer.ping();
    } catch (err) {
      dropIfSilent(this.#writer, err);
      throw err;
    }
  }

  /** Counters for diagnostics and the tests that pin what a replica reads. */
  stats(): RedisBusStats {
    return { received: this.#received, channels: this.#ready.size, sharded: this.#commands === SHARDED };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#subscriber.disconnect();
    await this.#writer.quit().catch(() => undefined);
  }

  /**
   * (Un)subscribes one channel; never rejects. While the connection is down
   * the command waits in ioredis's offline queue (and autoResubscribe
   * restores the set on reconnect), so the caller is not held up: it resolves
   * at once and the subscriber relies on its log.
   */
  #channel(command: PubSubCommands['subscribe' | 'unsubscribe'], topic: string): Promise<void> {
    const connected = this.#subscriber.status === 'ready';
    const sent = this.#subscriber[command](this.#prefix + topic).then(
      () => undefined,
      (err: unknown) => {
        if (this.#closed) return;
        dropIfSilent(this.#subscriber, err);
        this.#onError(err);
      },
    );
    return connected ? sent : Promise.resolve();
  }

  #deliver(channel: string, raw: string): void {
    this.#received++;
    if (!channel.startsWith(this.#prefix)) return;
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    this.#handlers.dispatch(channel.slice(this.#prefix.length), message);
  }

  #beat(): void {
    if (this.#closed || this.#subscriber.status !== 'ready') return;
    this.#subscriber.ping().catch((err: unknown) => {
      if (this.#closed) return;
      dropIfSilent(this.#subscriber, err);
      this.#onError(err);
    });
  }
}
