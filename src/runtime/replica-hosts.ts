import { z } from 'zod';
import type { ReplicaRecord } from '../storage/index.js';
import type { AgentDefinition } from '../contracts/agent/index.js';

/** What a replica hosts, as its heartbeat records it: each agent's skills by name. */
const hostsSchema = z.record(z.string(), z.array(z.string()));

/** The `hosts` a replica's heartbeat writes for `agents`. */
export function replicaHostsOf(agents: readonly AgentDefinition[]): string {
  return JSON.stringify(Object.fromEntries(agents.map((agent) => [agent.name, [...agent.skills.keys()]])));
}

/**
 * The agents and skills the replicas seen lately host, for an orphan scan
 * to tell a task another replica can run from one nobody can (ADR 0080).
 */
export class HostsSeen {
  readonly #hosts = new Map<string, Set<string>>();
  /** A replica seen said nothing of what it hosts (an earlier version): it may host anything. */
  readonly #unknown: boolean;

  constructor(replicas: readonly ReplicaRecord[]) {
    let unknown = false;
    for (const replica of replicas) {
      const hosts = replica.hosts === null ? undefined : parseHosts(replica.hosts);
      if (!hosts) {
        unknown = true;
        continue;
      }
      for (const [agent, skills] of Object.entries(hosts)) {
        const known = this.#hosts.get(agent) ?? new Set<string>();
        for (const skill of skills) known.add(skill);
        this.#hosts.set(agent, known);
      }
    }
    this.#unknown = unknown;
  }

  /** Whether a replica seen may run `skill` of `agent` (a task without a skill runs nowhere). */
  canRun(agent: string, skill: string | null): boolean {
    if (skill === null) return false;
    return this.#unknown || (this.#hosts.get(agent)?.has(skill) ?? false);
  }
}

function parseHosts(text: string): z.infer<typeof hostsSchema> | undefined {
  try {
    const parsed = hostsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
