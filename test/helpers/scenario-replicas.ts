/**
 * Runtime replicas of one scenario sharing a database, each on a connection of its own and a clock
 * the test drives, as separate processes would: the orphan-scan scenarios run them on each tier's
 * database (test/helpers/unhosted-orphans.ts, test/helpers/skewed-clock-takeovers.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type AgentDefinition, type Runtime, type RuntimeConfigInput } from '../../src/runtime/index.js';
import type { Database } from '../../src/storage/index.js';
import type { Latches } from './latches.js';
import { oneSkillAgent } from './one-skill-agent.js';

/** A tier's shared database: each replica, and the test's reads, on a connection of its own, as separate processes. */
export interface ScenarioDatabase {
  open(): Promise<Database>;
  /** Drops what `open` reached, once every connection is closed. */
  drop(): Promise<void>;
}

/** A replica the scenario started. */
export interface ScenarioReplica {
  runtime: Runtime;
  /** Each agent's base URL on it. */
  agents: Record<string, string>;
  /** Stops it cleanly (its heartbeat row goes). */
  stop(): Promise<void>;
}

const STORAGE_SECRET = 'scenario-replicas-storage-secret-0123456789';

/** Starts a replica of `agents` on a connection of its own to `shared`, on the clock `now`. */
export async function startScenarioReplica(shared: ScenarioDatabase, agents: AgentDefinition[], config: RuntimeConfigInput, now: () => number): Promise<ScenarioReplica> {
  const database = await shared.open();
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-scenario-'));
  const runtime = await createRuntime({ agents, config: { port: 0, host: '127.0.0.1', logLevel: 'silent', storageSecret: STORAGE_SECRET, ...config, dataDir }, database, now });
  const listening = await runtime.listen();
  return {
    runtime,
    agents: listening.agents,
    async stop() {
      await runtime.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The scenarios' idempotent agent `durable`: its run n signals latch `started-n` and is held until
 * `end-n` opens (or the run is stopped), then answers `run n`; `runs()` counts the runs so far.
 */
export function heldDurableAgent(gates: Latches): { agent: AgentDefinition; runs: () => number } {
  let runs = 0;
  const agent = oneSkillAgent({ name: 'durable', description: 'Runs until the test lets it end' }, 'hold', {
    description: 'Idempotent: a replica hosting it may run it again',
    idempotent: true,
    handler: async (_: string, ctx) => {
      const n = ++runs;
      gates.get(`started-${n}`).resolve();
      await new Promise<void>((resolve, reject) => {
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        void gates.get(`end-${n}`).promise.then(resolve);
      });
      return `run ${n}`;
    },
  });
  return { agent, runs: () => runs };
}
