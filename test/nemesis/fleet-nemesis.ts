/**
 * The nemesis of a runtime fleet: each fault is a start and a heal, logged in the history as a
 * nemesis `start` and `stop` around the period it lasts (test/history/README.md, "Operations").
 */
import { F } from '../history/history-format.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import type { RuntimeFleet } from './runtime-fleet.js';

/** The faults a run draws from. */
export const FLEET_FAULTS = ['kill', 'partition', 'half-open'] as const;
export type FleetFault = (typeof FLEET_FAULTS)[number];

/** What `start` did, undone by `heal`. */
export interface ActiveFault {
  fault: FleetFault;
  node: string;
  heal(): Promise<void>;
}

/**
 * Starts `fault` on `node`:
 * - `kill`: kill -9; healed by starting the process again (it recovers from the database).
 * - `partition`: the node's connections to PostgreSQL and Redis are reset and new ones refused.
 * - `half-open`: the node's connections to PostgreSQL and Redis go silent (no FIN, no RST), new
 *   ones hang; healed by cutting them (their state is unknown) and letting new ones pass.
 */
export async function startFault(fleet: RuntimeFleet, fault: FleetFault, node: string): Promise<ActiveFault> {
  const n = fleet.node(node);
  switch (fault) {
    case 'kill':
      await fleet.kill(node);
      return { fault, node, heal: () => fleet.start(node) };
    case 'partition':
      n.pg.refuse();
      n.redis.refuse();
      return {
        fault,
        node,
        heal: async () => {
          n.pg.heal();
          n.redis.heal();
        },
      };
    case 'half-open':
      n.pg.pause();
      n.redis.pause();
      return {
        fault,
        node,
        heal: async () => {
          n.pg.heal();
          n.redis.heal();
        },
      };
  }
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
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Alternates fault and heal periods, taking the faults in turn (so a short run still has each) on a
 * node the draw picks; resolves after the last heal period. The history gets a `start` and a `stop`
 * per fault.
 */
export async function runSchedule(options: ScheduleOptions): Promise<void> {
  const { recorder, fleet, random } = options;
  for (let i = 0; i < options.periods; i++) {
    const fault = options.faults[i % options.faults.length]!;
    const node = fleet.nodes[Math.floor(random() * fleet.nodes.length)]!.name;
    recorder.nemesis(F.start, { fault, node });
    const active = await startFault(fleet, fault, node);
    await sleep(options.faultMs);
    await active.heal();
    recorder.nemesis(F.stop, { fault, node });
    await sleep(options.healMs);
  }
}
