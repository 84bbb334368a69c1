/**
 * The nemesis of a runtime fleet: each fault is a start and a heal, logged in the history as a
 * nemesis `start` and `stop` around the period it lasts (test/history/README.md, "Operations").
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { F } from '../history/history-format.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import { DATABASE_URL } from '../helpers/services.js';
import type { FleetRole, RuntimeFleet } from './runtime-fleet.js';

/**
 * The faults a run draws from (docs/reliability.md, "Faults"):
 * - `kill`: kill -9 of a replica, again and again for the period: down 1 to 8 s, up 5 to 15 s (drawn);
 *   each start recovers from the database; the heal starts it if it is down.
 * - `pause`: SIGSTOP of a replica (a lease holder that stops without dying); healed by SIGCONT.
 * - `partition`: a replica's connections to PostgreSQL and Redis reset, new ones refused.
 * - `half-open`: a replica's connections to PostgreSQL and Redis go silent (no FIN, no RST) and new
 *   ones hang; healed by cutting them (their state is unknown) and letting new ones pass.
 * - `reset-after-commit`: each of a replica's PostgreSQL connections is reset right after it sends
 *   a COMMIT: the transaction commits and the replica never hears so.
 * - `pg-terminate`: `pg_terminate_backend` on every session of a replica, again and again.
 * - `redis-pause`: `CLIENT PAUSE … ALL` on the fleet's private Redis; healed by `CLIENT UNPAUSE`.
 * - `redis-restart`: the private redis-server killed (its stream is lost: no persistence) and started
 *   again at the heal.
 * - `clock-skew`: a replica restarted under faketime, its wall clock 20 s ahead (its monotonic clock
 *   left real); healed by restarting it without.
 */
export const FLEET_FAULTS = ['kill', 'partition', 'pause', 'half-open', 'reset-after-commit', 'pg-terminate', 'redis-pause', 'redis-restart', 'clock-skew'] as const;
export type FleetFault = (typeof FLEET_FAULTS)[number];

/**
 * The faults of the embedded mesh (one process on SQLite): a crash and a clock that jumps. A paused
 * lone process answers nobody, which the fault-liveness check rightly counts as a trivial run.
 */
export const SQLITE_FAULTS = ['kill', 'clock-skew'] as const satisfies readonly FleetFault[];

/** Faults of the whole fleet, not of one replica. */
const FLEET_WIDE = new Set<FleetFault>(['redis-pause', 'redis-restart']);

/** What `start` did, undone by `heal`. */
export interface ActiveFault {
  fault: FleetFault;
  node: string | undefined;
  heal(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `fault` on `node` (ignored by the fleet-wide faults); `faultMs` bounds a Redis pause. */
export async function startFault(fleet: RuntimeFleet, fault: FleetFault, node: string, faultMs: number, random: () => number): Promise<ActiveFault> {
  const n = fleet.node(node);
  const healProxies = async () => {
    n.pg.heal();
    n.redis.heal();
  };
  switch (fault) {
    case 'kill':
      return repeatedKills(fleet, node, random);
    case 'pause':
      fleet.signal(node, 'SIGSTOP');
      return { fault, node, heal: async () => fleet.signal(node, 'SIGCONT') };
    case 'partition':
      n.pg.refuse();
      n.redis.refuse();
      return { fault, node, heal: healProxies };
    case 'half-open':
      n.pg.pause();
      n.redis.pause();
      return { fault, node, heal: healProxies };
    case 'reset-after-commit':
      n.pg.cutAfterClientSends(/\bcommit\b/i);
      return { fault, node, heal: healProxies };
    case 'pg-terminate': {
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [n.applicationName]);
          await sleep(300);
        }
      })();
      return {
        fault,
        node,
        heal: async () => {
          stop = true;
          await loop;
          await admin.end();
        },
      };
    }
    case 'redis-pause': {
      const admin = new Redis({ host: '127.0.0.1', port: fleet.redisPort, lazyConnect: true, maxRetriesPerRequest: 1 });
      await admin.connect();
      // Bounded by Redis itself too, should the heal never come.
      await admin.call('CLIENT', 'PAUSE', String(faultMs + 5000), 'ALL');
      return {
        fault,
        node: undefined,
        heal: async () => {
          await admin.call('CLIENT', 'UNPAUSE');
          admin.disconnect();
        },
      };
    }
    case 'redis-restart':
      await fleet.stopRedis();
      return { fault, node: undefined, heal: () => fleet.startRedis() };
    case 'clock-skew':
      await fleet.kill(node);
      await fleet.start(node, { skew: '+20s' });
      return {
        fault,
        node,
        heal: async () => {
          await fleet.kill(node);
          await fleet.start(node);
        },
      };
  }
}

/**
 * Kill -9 of `node` until the heal, again and again: down 1 to 8 s, then up 5 to 15 s, drawn by
 * `random`. One kill lasting the whole period tested little once periods were long: the lone
 * embedded mesh answered nobody for five minutes, a fleet replica recovered once. Some downs outlast
 * a lease (its tasks go to the others), some do not (it takes its own back).
 */
async function repeatedKills(fleet: RuntimeFleet, node: string, random: () => number): Promise<ActiveFault> {
  const healed = new AbortController();
  const wait = (ms: number): Promise<void> => sleepUnless(ms, healed.signal);
  let down = true;
  await fleet.kill(node);
  const cycle = (async () => {
    for (;;) {
      await wait(1000 + random() * 7000);
      if (healed.signal.aborted) return;
      await fleet.start(node);
      down = false;
      await wait(5000 + random() * 10_000);
      if (healed.signal.aborted) return;
      await fleet.kill(node);
      down = true;
    }
  })();
  return {
    fault: 'kill',
    node,
    heal: async () => {
      healed.abort();
      await cycle;
      if (down) await fleet.start(node);
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface ScheduleOptions {
  recorder: HistoryRecorder;
  fleet: RuntimeFleet;
  random: () => number;
  faults: readonly FleetFault[];
  /** How many fault periods, each followed by a heal period. */
  periods: number;
  faultMs: number;
  healMs: number;
  /** The roles whose nodes a fault may hit (default: every node, the orchestrators' too). */
  roles?: readonly FleetRole[];
  /** Told as each fault period begins. */
  onPhase?: (phase: string) => void;
}

/**
 * Alternates fault and heal periods, taking the faults in turn (so a short run still has each) on a
 * node the draw picks; resolves after the last heal period with the time (Date.now()) of the last
 * heal. The history gets a `start` and a `stop` per fault.
 */
export async function runSchedule(options: ScheduleOptions): Promise<number> {
  const { recorder, fleet, random } = options;
  const roles = options.roles;
  const victims = roles === undefined ? fleet.nodes : fleet.nodes.filter((n) => roles.includes(n.role));
  if (victims.length === 0) throw new Error(`no node of the roles ${roles?.join(', ')} to fault`);
  let lastHeal = Date.now();
  for (let i = 0; i < options.periods; i++) {
    const fault = options.faults[i % options.faults.length]!;
    const node = victims[Math.floor(random() * victims.length)]!.name;
    const value = FLEET_WIDE.has(fault) ? { fault } : { fault, node };
    recorder.nemesis(F.start, value);
    options.onPhase?.(`fault period ${i + 1} of ${options.periods}: ${fault}${FLEET_WIDE.has(fault) ? '' : ` on ${node}`}`);
    const active = await startFault(fleet, fault, node, options.faultMs, random);
    await sleep(options.faultMs);
    await active.heal();
    lastHeal = Date.now();
    recorder.nemesis(F.stop, value);
    await sleep(options.healMs);
  }
  return lastHeal;
}
