import { boundCounter, boundGauge, boundHistogram, type Metrics } from '../../observability/index.js';
import type { BreakerState, UpstreamInstance } from './upstream-instance.js';

/** How one upstream exchange ended, as counted (a bounded set). */
export type UpstreamOutcome = '2xx' | '3xx' | '4xx' | '5xx' | 'connect_error' | 'timeout' | 'network_error' | 'client_gone' | 'no_instance';

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

/**
 * The routing metrics (docs/gateway-routing.md#metrics). Labels stay bounded: `agent` comes from
 * the registry's names (requests for unknown agents are not counted here),
 * and instances are never a label (their ids churn with every deploy); the
 * breaker gauge counts instances per state instead. That gauge has series
 * only for agents with a breaker that is not closed (three per agent were
 * 300,000 series at 100,000 agents, and setting them a tenth of a gateway's
 * start); the fleet's counts per state are one series each.
 */
interface AgentSeries {
  latency: { observe(value: number): void };
  outstanding: { inc(value: number): void };
  outcomes: Map<UpstreamOutcome, { inc(): void }>;
}

export class RoutingMetrics {
  readonly #requests;
  readonly #latency;
  readonly #retries;
  readonly #instances;
  readonly #outstanding;
  readonly #agents;
  readonly #reconnects;
  readonly #reloads;
  readonly #byBreaker;
  /** The fleet's instances per breaker state (the sum of {@link #counted}). */
  readonly #totals: Record<BreakerState, number> = { closed: 0, open: 0, 'half-open': 0 };
  /** Each agent's last counted instances per state, so a recount moves the totals by its difference. */
  readonly #counted = new Map<string, Record<BreakerState, number>>();
  /** Agents whose per-agent breaker series are exported (some breaker not closed, now or at the last recount). */
  readonly #troubled = new Set<string>();
  /**
   * Label-bound children per routed agent (agents come from the registry, so
   * they are bounded): prom-client's `inc({ agent })` hashes a fresh label
   * object on every call, four times per forwarded request.
   */
  readonly #byAgent = new Map<string, AgentSeries>();

  constructor(metrics: Metrics) {
    this.#requests = metrics.counter('agentmesh_gateway_upstream_requests_total', 'Requests forwarded to agent instances, by agent and outcome (status class or failure)', ['agent', 'outcome']);
    this.#latency = metrics.histogram('agentmesh_gateway_upstream_latency_seconds', 'Time from sending a request to an instance until its response headers, by agent', ['agent'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60]);
    this.#retries = metrics.counter('agentmesh_gateway_upstream_retries_total', 'Requests sent again to another instance, by agent', ['agent']);
    this.#instances = metrics.gauge('agentmesh_gateway_upstream_instances', 'Instances the router knows, by agent and breaker state, for agents with an instance whose breaker is not closed', ['agent', 'breaker']);
    this.#byBreaker = metrics.gauge('agentmesh_gateway_upstream_breakers', 'Instances the router knows, all agents together, by breaker state', ['breaker']);
    for (const state of BREAKER_STATES) this.#byBreaker.set({ breaker: state }, 0);
    this.#outstanding = metrics.gauge('agentmesh_gateway_upstream_outstanding', 'Requests in flight to instances (streams included), by agent', ['agent']);
    this.#agents = metrics.gauge('agentmesh_gateway_routing_agents', 'Agents in the routing cache');
    this.#reconnects = metrics.counter('agentmesh_gateway_registry_watch_reconnects_total', 'Times the registry watch stream was opened again after it ended or failed');
    this.#reloads = metrics.counter('agentmesh_gateway_registry_reloads_total', 'Full reloads of the routing cache from the registry');
  }

  #series(agent: string): AgentSeries {
    let series = this.#byAgent.get(agent);
    if (series === undefined) {
      series = { latency: boundHistogram(this.#latency, { agent }), outstanding: boundGauge(this.#outstanding, { agent }), outcomes: new Map() };
      this.#byAgent.set(agent, series);
    }
    return series;
  }

  request(agent: string, outcome: UpstreamOutcome): void {
    const outcomes = this.#series(agent).outcomes;
    let counter = outcomes.get(outcome);
    if (counter === undefined) {
      counter = boundCounter(this.#requests, { agent, outcome });
      outcomes.set(outcome, counter);
    }
    counter.inc();
  }

  latency(agent: string, seconds: number): void {
    this.#series(agent).latency.observe(seconds);
  }

  retry(agent: string): void {
    this.#retries.inc({ agent });
  }

  outstanding(agent: string, delta: number): void {
    this.#series(agent).outstanding.inc(delta);
  }

  /** Drops an agent's cached children (it left the routing cache; its series stay in the registry as before). */
  forget(agent: string): void {
    this.#byAgent.delete(agent);
  }

  /**
   * Recounts the instances of an agent per breaker state. An agent whose
   * breakers are all closed has no per-agent series (its previous ones are
   * removed when it recovers); the totals by state count every agent.
   */
  breakers(agent: string, instances: readonly UpstreamInstance[] | undefined): void {
    const now = Date.now();
    const counts: Record<BreakerState, number> = { closed: 0, open: 0, 'half-open': 0 };
    if (instances !== undefined) for (const i of instances) counts[i.breakerState(now)] += 1;
    const before = this.#counted.get(agent);
    for (const state of BREAKER_STATES) {
      const delta = counts[state] - (before?.[state] ?? 0);
      if (delta !== 0) {
        this.#totals[state] += delta;
        this.#byBreaker.set({ breaker: state }, this.#totals[state]);
      }
    }
    if (instances === undefined) this.#counted.delete(agent);
    else this.#counted.set(agent, counts);
    if (counts.open > 0 || counts['half-open'] > 0) {
      this.#troubled.add(agent);
      for (const state of BREAKER_STATES) this.#instances.set({ agent, breaker: state }, counts[state]);
    } else if (this.#troubled.delete(agent)) {
      for (const state of BREAKER_STATES) this.#instances.remove({ agent, breaker: state });
    }
  }

  agents(count: number): void {
    this.#agents.set(count);
  }

  reconnect(): void {
    this.#reconnects.inc();
  }

  reload(): void {
    this.#reloads.inc();
  }
}

/** The outcome label of an answered request. */
export function statusOutcome(status: number): UpstreamOutcome {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}
