import type { RoundRobin } from './balancer.js';
import type { AgentInstance, AgentRecord } from './registry-types.js';
import { UpstreamInstance, type BreakerSettings } from './upstream-instance.js';

/** What the router knows of one agent. */
export interface CachedAgent {
  record: AgentRecord;
  /** Every instance the registry lists (in rotation or not), with this router's state. */
  instances: UpstreamInstance[];
  rr: RoundRobin;
}

/** Options of {@link RouteCache}. */
export interface RouteCacheOptions {
  breaker: BreakerSettings;
  /** Called when an instance's breaker changes state (metrics). */
  onBreakerChange: (instance: UpstreamInstance) => void;
  /** Called after the instances of an agent changed, or the agent left (metrics). */
  onInstancesChange: (agent: string) => void;
}

/**
 * The live routing table: agent records and their instances, fed by the
 * registry follower. An instance keeps its router state (outstanding
 * requests, breaker) across refreshes for as long as the registry lists its
 * id; requests in flight on an instance that left finish on the object they
 * hold.
 */
export class RouteCache {
  readonly #agents = new Map<string, CachedAgent>();
  readonly #o: RouteCacheOptions;

  constructor(options: RouteCacheOptions) {
    this.#o = options;
  }

  get(name: string): CachedAgent | undefined {
    return this.#agents.get(name);
  }

  names(): string[] {
    return [...this.#agents.keys()];
  }

  get size(): number {
    return this.#agents.size;
  }

  /**
   * Sets an agent's record. A record older than the one held (a change the
   * stream delivers after a reload already read a newer state) is ignored,
   * unless `authoritative` (a full load). Returns whether the agent is new.
   */
  putRecord(record: AgentRecord, options: { authoritative?: boolean } = {}): boolean {
    const held = this.#agents.get(record.name);
    if (held === undefined) {
      this.#agents.set(record.name, { record, instances: [], rr: { next: 0 } });
      return true;
    }
    // A full load is the registry's state whatever its revisions say (a registry back on a fresh store counts from 1 again).
    if (options.authoritative === true || record.revision >= held.record.revision) held.record = record;
    return false;
  }

  /** Replaces an agent's instances with the registry's list, keeping the state of the ones that stay. */
  putInstances(agent: string, list: readonly AgentInstance[]): void {
    const held = this.#agents.get(agent);
    if (held === undefined) return;
    const before = new Map(held.instances.map((i) => [i.id, i]));
    held.instances = list.map((info) => {
      const existing = before.get(info.id);
      if (existing === undefined) return new UpstreamInstance(info, this.#o.breaker, this.#o.onBreakerChange);
      existing.update(info);
      return existing;
    });
    this.#o.onInstancesChange(agent);
  }

  /** Marks one instance out of rotation until the registry's next list says otherwise. */
  takeOutOfRotation(agent: string, instanceId: string): void {
    const instance = this.#agents.get(agent)?.instances.find((i) => i.id === instanceId);
    if (instance !== undefined && instance.inRotation) instance.update({ ...instance.info, inRotation: false });
  }

  remove(agent: string): void {
    if (this.#agents.delete(agent)) this.#o.onInstancesChange(agent);
  }

  /** Keeps only the named agents (after a full reload). */
  retainOnly(names: ReadonlySet<string>): void {
    for (const name of [...this.#agents.keys()]) if (!names.has(name)) this.remove(name);
  }

  /** Every cached agent. */
  all(): IterableIterator<CachedAgent> {
    return this.#agents.values();
  }
}
