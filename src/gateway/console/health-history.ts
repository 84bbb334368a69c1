/**
 * The last hour of each agent instance's health as the registry's probes
 * report it (state and latency), sampled from the router's registry cache
 * every `intervalMs` (default 10 s), for the console's agent page. Bounded:
 * `capacity` points per instance (default 360), and an instance gone from the
 * cache for a whole window is forgotten.
 */
import type { AgentInstance } from '../../contracts/registry/index.js';
import type { UpstreamRouter } from '../routing/index.js';
import type { HealthPoint } from '../../contracts/console/index.js';
import { SampledHistory, type SamplingOptions } from './sampled-history.js';

export type { HealthPoint };

/** Options of {@link HealthHistory}. */
export interface HealthHistoryOptions extends SamplingOptions {
  router: Pick<UpstreamRouter, 'agents'>;
}

/** Per-instance rings of {@link HealthPoint}s, keyed by agent then instance id. */
export class HealthHistory extends SampledHistory {
  readonly #router: Pick<UpstreamRouter, 'agents'>;
  readonly #byAgent = new Map<string, Map<string, HealthPoint[]>>();

  constructor(options: HealthHistoryOptions) {
    super(options);
    this.#router = options.router;
  }

  /** Reads every cached instance once and keeps the point (the timer's work; tests call it directly). */
  override record(): void {
    const at = this.clock();
    const seen = new Set<string>();
    for (const { record, instances } of this.#router.agents()) {
      let agent = this.#byAgent.get(record.name);
      if (agent === undefined) this.#byAgent.set(record.name, (agent = new Map()));
      for (const i of instances) {
        seen.add(`${record.name}\n${i.id}`);
        let points = agent.get(i.id);
        if (points === undefined) agent.set(i.id, (points = []));
        this.keep(points, { at, state: i.probe.state, latencyMs: i.probe.latencyMs ?? null, inRotation: i.inRotation });
      }
    }
    // Forget instances whose newest point is older than the window.
    const horizon = at - this.capacity * this.intervalMs;
    for (const [name, agent] of this.#byAgent) {
      for (const [id, points] of agent) if (!seen.has(`${name}\n${id}`) && (points.at(-1)?.at ?? 0) < horizon) agent.delete(id);
      if (agent.size === 0) this.#byAgent.delete(name);
    }
  }

  /**
   * The points of each instance of `agent`, oldest first, then a reading of
   * `current` (the instances now) when given, so a fresh gateway already shows one.
   */
  of(agent: string, current: readonly AgentInstance[] = []): Record<string, HealthPoint[]> {
    const out: Record<string, HealthPoint[]> = {};
    for (const [id, points] of this.#byAgent.get(agent) ?? []) out[id] = [...points];
    const at = current.length > 0 ? this.clock() : 0;
    for (const i of current) (out[i.id] ??= []).push({ at, state: i.probe.state, latencyMs: i.probe.latencyMs ?? null, inRotation: i.inRotation });
    return out;
  }
}
