/**
 * The bus candidates of ADR 0023, measured in one process on the same Redis:
 * what each of R replicas reads, the Redis commands per task, and the CPU.
 *
 *   node --import tsx bench/bus/bus-candidates.ts [--tasks 2000] [--replicas 4] [--events 4] [--inflight 25] [--shards 16]
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
 *
 * The machine is shared: read the figures as ratios between candidates of
 * the same run, not as absolute capacity.
 */
import { createHash, randomBytes } from 'node:crypto';
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
  constructor(readonly bus: RedisBus) {}
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

async function measure(name: string, open: () => Promise<Candidate>): Promise<void> {
  const replicas: Candidate[] = [];
  for (let i = 0; i < REPLICAS; i++) replicas.push(await open());
  const before = callCounts().redisCommands;
  const redisBefore = await redisCpuMicros();
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
  const commands = callCounts().redisCommands - before;
  const redisUsed = (await redisCpuMicros()) - redisBefore;
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
console.log('| candidate | entries published | entries read per replica | most read by one | Redis commands per task | client CPU µs per task | Redis CPU µs per task (shared server) | tasks/s |');
console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |');
await measure('one stream (before)', async () => new ShardedStreams(`agentmesh:bench:${run}:one`, 1).connect());
await measure(`${SHARDS} sharded streams`, async () => new ShardedStreams(`agentmesh:bench:${run}:sharded`, SHARDS).connect());
await measure('sharded pub/sub, channel per task', async () => new PubSub(await RedisBus.connect({ url: URL_, namespace: `agentmesh:bench:${run}:pubsub` })));
