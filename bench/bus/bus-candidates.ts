/**
 * The bus candidates of ADR 0023, measured in one process on the same Redis:
 * what each of R replicas reads, the Redis commands per task, and the CPU.
 *
 *   node --import tsx bench/bus/bus-candidates.ts [--tasks 2000] [--replicas 4] [--events 4] [--inflight 25] [--shards 16] [--nats-modules DIR]
 *
 * Workload per task, as a runtime replica runs a streamed task: the replica
 * that runs it subscribes to its topic (the SSE stream), publishes `events`
 * messages on it (committed event batches), waits until its own subscriber
 * got them all, and unsubscribes. Tasks are spread round-robin over the
 * replicas, `inflight` at a time per replica.
 *
 * Candidates:
 *   stream        one stream every replica reads whole (the bus before ADR 0023)
 *   sharded-N     N streams by hash of the topic; a replica reads only the shards
 *                 its subscribers follow (one blocking XREAD over them)
 *   pubsub        Redis 7 sharded pub/sub, a channel per topic (src/storage/bus/redis-bus.ts)
 *   nats          core NATS, a subject per topic (ready = a flush round trip)
 *   jetstream     NATS JetStream, a subject per topic in one stream; a replica
 *                 follows a topic with an ordered consumer filtered on its subject
 *                 (from the subject's first message: a task's own history)
 *
 * The NATS clients are no dependency of agentmesh: the two NATS rows run only
 * with `--nats-modules DIR`, a node_modules directory holding
 * `@nats-io/transport-node` and `@nats-io/jetstream` (e.g. `npm i` them in a
 * scratch directory), against NATS at `--nats` (default 127.0.0.1:4222).
 *
 * The machine is shared: read the figures as ratios between candidates of
 * the same run, not as absolute capacity.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RedisBus } from '../../src/storage/index.js';
import { callCounts, installCallCounters } from '../scale/call-counters.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '2000' },
    replicas: { type: 'string', default: '4' },
    events: { type: 'string', default: '4' },
    inflight: { type: 'string', default: '25' },
    shards: { type: 'string', default: '16' },
    url: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'nats-modules': { type: 'string' },
    nats: { type: 'string', default: '127.0.0.1:4222' },
  },
});
const TASKS = Number(values.tasks);
const REPLICAS = Number(values.replicas);
const EVENTS = Number(values.events);
const INFLIGHT = Number(values.inflight);
const SHARDS = Number(values.shards);
const URL_ = values.url;

/** The part of the Bus every candidate implements, plus what it read. */
interface Candidate {
  publish(topic: string, message: unknown): Promise<void>;
  subscribe(topic: string, handler: (m: unknown) => void): { (): void; ready: Promise<void> };
  /** Entries (messages) this replica took off Redis, whoever they were for. */
  read(): number;
  close(): Promise<void>;
}

/** Topic handlers shared by the stream candidates. */
class Handlers {
  byTopic = new Map<string, Set<(m: unknown) => void>>();
  add(topic: string, h: (m: unknown) => void): () => void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(h);
    return () => {
      set.delete(h);
      if (set.size === 0) this.byTopic.delete(topic);
    };
  }
  dispatch(topic: string, m: unknown): void {
    for (const h of this.byTopic.get(topic) ?? []) h(m);
  }
}

const resolved = Promise.resolve();

/** N streams (N = 1: the bus before ADR 0023); a replica reads the shards its subscribers follow. */
class ShardedStreams implements Candidate {
  #w: Redis;
  #r: Redis;
  #keys: string[];
  #cursor: string[];
  #followed = new Map<number, number>();
  #h = new Handlers();
  #read = 0;
  #closed = false;
  #loop: Promise<void> | undefined;
  constructor(prefix: string, shards: number) {
    this.#w = new Redis(URL_, { lazyConnect: true });
    this.#r = new Redis(URL_, { lazyConnect: true });
    this.#keys = Array.from({ length: shards }, (_, i) => `${prefix}:{${i}}`);
    this.#cursor = this.#keys.map(() => '0-0');
  }
  async connect(): Promise<this> {
    await Promise.all([this.#w.connect(), this.#r.connect()]);
    // Every shard's end, once: a shard that becomes followed later reads from where it then is (see subscribe).
    for (let i = 0; i < this.#keys.length; i++) {
      const last = (await this.#w.xrevrange(this.#keys[i]!, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
      this.#cursor[i] = last[0]?.[0] ?? '0-0';
    }
    this.#loop = this.#run();
    return this;
  }
  #shard(topic: string): number {
    return this.#keys.length === 1 ? 0 : createHash('sha1').update(topic).digest().readUInt32BE(0) % this.#keys.length;
  }
  async publish(topic: string, message: unknown): Promise<void> {
    await this.#w.xadd(this.#keys[this.#shard(topic)]!, 'MAXLEN', '~', '100000', '*', 't', topic, 'm', JSON.stringify(message));
  }
  subscribe(topic: string, handler: (m: unknown) => void): { (): void; ready: Promise<void> } {
    const remove = this.#h.add(topic, handler);
    const shard = this.#shard(topic);
    const n = this.#followed.get(shard) ?? 0;
    this.#followed.set(shard, n + 1);
    let ready = resolved;
    if (n === 0 && this.#keys.length > 1) {
      // A shard nobody here followed: its cursor is stale; start from its end now (one round trip).
      ready = this.#w.xrevrange(this.#keys[shard]!, '+', '-', 'COUNT', 1).then((last) => {
        const id = (last as Array<[string, string[]]>)[0]?.[0];
        if (id && (this.#followed.get(shard) ?? 0) > 0) this.#cursor[shard] = id;
      });
    }
    return Object.assign(() => {
      remove();
      const left = (this.#followed.get(shard) ?? 1) - 1;
      if (left === 0) this.#followed.delete(shard);
      else this.#followed.set(shard, left);
    }, { ready });
  }
  read(): number {
    return this.#read;
  }
  async #run(): Promise<void> {
    while (!this.#closed) {
      const shards = this.#keys.length === 1 ? [0] : [...this.#followed.keys()];
      if (shards.length === 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      // A short BLOCK: the followed set changes while blocked (a real reader would need CLIENT UNBLOCK).
      const result = (await this.#r.xread('COUNT', 1000, 'BLOCK', this.#keys.length === 1 ? 1000 : 20, 'STREAMS', ...shards.map((s) => this.#keys[s]!), ...shards.map((s) => this.#cursor[s]!)).catch(() => null)) as Array<[string, Array<[string, string[]]>]> | null;
      if (!result) continue;
      for (const [key, entries] of result) {
        const shard = this.#keys.indexOf(key);
        for (const [id, fields] of entries) {
          this.#cursor[shard] = id;
          this.#read++;
          this.#h.dispatch(fields[1]!, JSON.parse(fields[3]!));
        }
      }
    }
  }
  async close(): Promise<void> {
    this.#closed = true;
    this.#r.disconnect();
    await this.#loop;
    await this.#w.del(...this.#keys);
    await this.#w.quit();
  }
}

/** The shipped bus. */
class PubSub implements Candidate {
  readonly bus: RedisBus;
  constructor(bus: RedisBus) {
    this.bus = bus;
  }
  publish(topic: string, message: unknown): Promise<void> {
    return this.bus.publish(topic, message);
  }
  subscribe(topic: string, handler: (m: unknown) => void): { (): void; ready: Promise<void> } {
    return this.bus.subscribe(topic, handler);
  }
  read(): number {
    return this.bus.stats().received;
  }
  close(): Promise<void> {
    return this.bus.close();
  }
}

/** The few calls of the NATS clients this bench makes (loaded from --nats-modules). */
interface NatsSubscription {
  unsubscribe(): void;
}
interface NatsConnection {
  publish(subject: string, data: string): void;
  subscribe(subject: string, options: { callback: (err: unknown, msg: { string(): string }) => void }): NatsSubscription;
  flush(): Promise<void>;
  drain(): Promise<void>;
}
interface NatsModules {
  connect(options: { servers: string }): Promise<NatsConnection>;
  jetstream(nc: NatsConnection): {
    publish(subject: string, data: string): Promise<unknown>;
    consumers: { get(stream: string, options: { filter_subjects: string; deliver_policy: string }): Promise<{ consume(options: { callback: (msg: { string(): string }) => void }): Promise<{ stop(): void; close(): Promise<unknown> }> }> };
  };
  jetstreamManager(nc: NatsConnection): Promise<{ streams: { add(config: { name: string; subjects: string[]; storage: string; max_msgs: number }): Promise<unknown>; delete(name: string): Promise<unknown> } }>;
}

function loadNats(dir: string): NatsModules {
  const require = createRequire(join(dir, 'bench.js'));
  const core = require('@nats-io/transport-node') as { connect: NatsModules['connect'] };
  const js = require('@nats-io/jetstream') as { jetstream: NatsModules['jetstream']; jetstreamManager: NatsModules['jetstreamManager'] };
  return { connect: core.connect, jetstream: js.jetstream, jetstreamManager: js.jetstreamManager };
}

/** Core NATS: a subject per topic; SUB/UNSUB per followed topic, ready after a PING round trip. Counts protocol operations sent. */
class NatsSubjects implements Candidate {
  #h = new Handlers();
  #subs = new Map<string, NatsSubscription>();
  #read = 0;
  ops = 0;
  private readonly nc: NatsConnection;
  private readonly prefix: string;
  constructor(nc: NatsConnection, prefix: string) {
    this.nc = nc;
    this.prefix = prefix;
  }
  async publish(topic: string, message: unknown): Promise<void> {
    this.ops++;
    this.nc.publish(`${this.prefix}.${topic}`, JSON.stringify(message));
  }
  subscribe(topic: string, handler: (m: unknown) => void): { (): void; ready: Promise<void> } {
    const remove = this.#h.add(topic, handler);
    let ready = resolved;
    if (!this.#subs.has(topic)) {
      this.ops += 2; // SUB, and the PING of the flush
      this.#subs.set(topic, this.nc.subscribe(`${this.prefix}.${topic}`, { callback: (_err, msg) => {
        this.#read++;
        this.#h.dispatch(topic, JSON.parse(msg.string()));
      } }));
      ready = this.nc.flush();
    }
    return Object.assign(() => {
      remove();
      if (this.#h.byTopic.has(topic)) return;
      this.ops++;
      this.#subs.get(topic)?.unsubscribe();
      this.#subs.delete(topic);
    }, { ready });
  }
  read(): number {
    return this.#read;
  }
  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/**
 * JetStream: one stream over `<prefix>.>`; publish waits for the stream's ack;
 * a followed topic is an ordered consumer filtered on its subject, from its
 * first message (a task's own history, so no "ready" race). Counts API
 * requests: publish, consumer create, its pulls are not counted (a floor).
 */
class JetStreamSubjects implements Candidate {
  #h = new Handlers();
  #consumers = new Map<string, Promise<{ stop(): void; close(): Promise<unknown> }>>();
  #read = 0;
  ops = 0;
  private readonly nc: NatsConnection;
  private readonly js: ReturnType<NatsModules['jetstream']>;
  private readonly stream: string;
  private readonly prefix: string;
  constructor(nc: NatsConnection, js: ReturnType<NatsModules['jetstream']>, stream: string, prefix: string) {
    this.nc = nc;
    this.js = js;
    this.stream = stream;
    this.prefix = prefix;
  }
  async publish(topic: string, message: unknown): Promise<void> {
    this.ops++;
    await this.js.publish(`${this.prefix}.${topic}`, JSON.stringify(message));
  }
  subscribe(topic: string, handler: (m: unknown) => void): { (): void; ready: Promise<void> } {
    const remove = this.#h.add(topic, handler);
    if (!this.#consumers.has(topic)) {
      this.ops += 2; // consumer create, first pull
      this.#consumers.set(
        topic,
        this.js.consumers.get(this.stream, { filter_subjects: `${this.prefix}.${topic}`, deliver_policy: 'all' }).then((c) =>
          c.consume({ callback: (msg) => {
            this.#read++;
            this.#h.dispatch(topic, JSON.parse(msg.string()));
          } }),
        ),
      );
    }
    return Object.assign(() => {
      remove();
      if (this.#h.byTopic.has(topic)) return;
      this.ops++; // the consumer's delete
      void this.#consumers.get(topic)?.then((m) => m.close()).catch(() => undefined);
      this.#consumers.delete(topic);
    }, { ready: resolved });
  }
  read(): number {
    return this.#read;
  }
  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/** One task as its replica runs it: subscribe, publish `EVENTS`, wait for them, unsubscribe. */
async function runTask(replica: Candidate, id: string): Promise<void> {
  const topic = `task.${id}`;
  let got = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const unsubscribe = replica.subscribe(topic, () => {
    if (++got === EVENTS) done();
  });
  await unsubscribe.ready;
  for (let seq = 1; seq <= EVENTS; seq++) await replica.publish(topic, { events: [{ seq, kind: 'status', payload: '{"statusUpdate":{}}' }] });
  await all;
  unsubscribe();
}

/** The Redis server's CPU so far (user + system), in µs: shared with other clients, so noisy. */
async function redisCpuMicros(): Promise<number> {
  const r = new Redis(URL_);
  const info = await r.info('cpu');
  r.disconnect();
  const get = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (get('used_cpu_user') + get('used_cpu_sys')) * 1e6;
}

/** nats-server's CPU so far in µs, from /proc (it must run on this host), or NaN. */
function natsCpuMicros(): number {
  try {
    const pid = execFileSync('pidof', ['nats-server'], { encoding: 'utf8' }).trim().split(' ')[0]!;
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime (fields 14 and 15 of stat; 12 and 13 after the command name), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

async function measure(name: string, open: () => Promise<Candidate>, serverCpu: () => number | Promise<number> = redisCpuMicros): Promise<void> {
  const replicas: Candidate[] = [];
  for (let i = 0; i < REPLICAS; i++) replicas.push(await open());
  const before = callCounts().redisCommands;
  const redisBefore = await serverCpu();
  for (const r of replicas) if (r instanceof NatsSubjects || r instanceof JetStreamSubjects) r.ops = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: INFLIGHT * REPLICAS }, async () => {
      for (;;) {
        const n = next++;
        if (n >= TASKS) return;
        // Round-robin ownership, as a load balancer spreads tasks.
        await runTask(replicas[n % REPLICAS]!, String(n));
      }
    }),
  );
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const commands = callCounts().redisCommands - before + replicas.reduce((n, r) => n + (r instanceof NatsSubjects || r instanceof JetStreamSubjects ? r.ops : 0), 0);
  const redisUsed = (await serverCpu()) - redisBefore;
  const reads = replicas.map((r) => r.read());
  const published = TASKS * EVENTS;
  const maxShare = Math.max(...reads) / published;
  console.log(
    `| ${name} | ${published} | ${reads.join(' / ')} | ${(maxShare * 100).toFixed(0)} % | ${(commands / TASKS).toFixed(2)} | ${((used.user + used.system) / TASKS).toFixed(0)} | ${(redisUsed / TASKS).toFixed(0)} | ${Math.round(TASKS / (ms / 1000))} |`,
  );
  await Promise.all(replicas.map((r) => r.close()));
}

await installCallCounters();
const run = randomBytes(4).toString('hex');
console.log(`bus candidates: ${REPLICAS} replicas, ${TASKS} tasks, ${EVENTS} events each, ${INFLIGHT} in flight per replica`);
console.log('| candidate | entries published | entries read per replica | most read by one | commands per task (Redis; NATS protocol ops / API requests) | client CPU µs per task | server CPU µs per task (Redis or nats-server; shared, 10 ms ticks for NATS) | tasks/s |');
console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |');
await measure('one stream (before)', async () => new ShardedStreams(`agentmesh:bench:${run}:one`, 1).connect());
await measure(`${SHARDS} sharded streams`, async () => new ShardedStreams(`agentmesh:bench:${run}:sharded`, SHARDS).connect());
await measure('sharded pub/sub, channel per task', async () => new PubSub(await RedisBus.connect({ url: URL_, namespace: `agentmesh:bench:${run}:pubsub` })));
if (values['nats-modules']) {
  const nats = loadNats(values['nats-modules']);
  await measure('core NATS, subject per task', async () => new NatsSubjects(await nats.connect({ servers: values.nats }), `ambench.${run}.core`), natsCpuMicros);
  const admin = await nats.connect({ servers: values.nats });
  const jsm = await nats.jetstreamManager(admin);
  const stream = `AMBENCH_${run}`;
  await jsm.streams.add({ name: stream, subjects: [`ambench.${run}.js.>`], storage: 'memory', max_msgs: 100_000 });
  try {
    await measure('NATS JetStream, subject per task, ordered consumer', async () => {
      const nc = await nats.connect({ servers: values.nats });
      return new JetStreamSubjects(nc, nats.jetstream(nc), stream, `ambench.${run}.js`);
    }, natsCpuMicros);
  } finally {
    await jsm.streams.delete(stream);
    await admin.drain();
  }
} else {
  console.log('(NATS rows skipped: pass --nats-modules DIR, see the header)');
}
