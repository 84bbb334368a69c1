import { boundCounter, boundHistogram, type Metrics } from '../observability/index.js';
import { TenantLabels } from '../tenancy/index.js';

/** Distinct agent label values kept; the rest count as "other" (bounded cardinality). */
const MAX_AGENT_LABELS = 200;
/** Distinct tenant label values kept, as the ledger's (first come, first named; the rest are "other"). */
const MAX_TENANT_LABELS = 100;

/** The gateway's own metrics (the router, identity, ledger and audit add theirs). */
export class GatewayMetrics {
  readonly calls;
  readonly duration;
  readonly quotaHits;
  readonly securityEvents;
  readonly piiMatches;
  readonly #upstreamStatus;
  readonly #quotaRefusals;
  readonly #tenants = new TenantLabels(MAX_TENANT_LABELS);
  readonly #agents = new Set<string>();
  /**
   * Bound series of the per-call metrics, by agent label and outcome (or
   * operation and status class): prom-client hashes the labels on every
   * update, even through a `labels({...})` child; these do not (bound-series.ts).
   */
  readonly #ended = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  readonly #answered = new Map<string, { inc(): void }>();

  constructor(metrics: Metrics) {
    this.calls = metrics.counter('agentmesh_gateway_calls_total', 'A2A calls through the gateway, by agent and outcome', ['agent', 'outcome']);
    this.duration = metrics.histogram('agentmesh_gateway_call_duration_seconds', 'Time through the gateway, a stream its whole life', ['agent'], [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300]);
    this.quotaHits = metrics.counter('agentmesh_gateway_quota_hits_total', 'Calls refused by a quota', ['agent']);
    this.securityEvents = metrics.counter('agentmesh_gateway_security_events_total', 'Refused calls, by event (auth.denied, scope.denied, quota.exceeded, tenant.mismatch, …)', ['event']);
    this.piiMatches = metrics.counter('agentmesh_gateway_pii_matches_total', 'Personal data found in messages by the PII policy, by kind and the action taken', ['kind', 'action']);
    // Tenant-labelled: served only on the gateway's private metrics listener, never its public port.
    this.#quotaRefusals = metrics.counter('agentmesh_gateway_quota_refusals_total', 'Calls refused by a quota, by tenant (100 named, the rest other) and which quota (client, tenant)', ['tenant', 'quota']);
    this.#upstreamStatus = metrics.counter('agentmesh_gateway_upstream_responses_total', 'Upstream answers by agent, operation and status class (a JSON-RPC error, answered with 200, under the status its error has over HTTP+JSON)', ['agent', 'operation', 'status']);
  }

  /** The agent's label value: its name, or "other" past the cap. */
  agentLabel(agent: string): string {
    if (this.#agents.has(agent)) return agent;
    if (this.#agents.size >= MAX_AGENT_LABELS) return 'other';
    this.#agents.add(agent);
    return agent;
  }

  /** A call refused by a quota: counted per agent (quota hits) and per tenant and quota. */
  quotaRefused(agent: string, tenant: string, quota: string): void {
    this.quotaHits.labels({ agent: this.agentLabel(agent) }).inc();
    this.#quotaRefusals.labels({ tenant: this.#tenants.of(tenant), quota: quota === 'tenant' ? 'tenant' : 'client' }).inc();
  }

  /** A call through the gateway ended: counted by outcome, timed. */
  callEnded(agent: string, outcome: string, seconds: number): void {
    const key = `${agent}\n${outcome}`;
    let child = this.#ended.get(key);
    if (child === undefined) {
      const label = this.agentLabel(agent);
      child = { count: boundCounter(this.calls, { agent: label, outcome }), time: boundHistogram(this.duration, { agent: label }) };
      // Bounded as the labels are: agents past the named ones share `other`'s children under their own keys, up to a cap.
      if (this.#ended.size < MAX_AGENT_LABELS * 8) this.#ended.set(key, child);
    }
    child.count.inc();
    child.time.observe(seconds);
  }

  upstream(agent: string, operation: string, status: number, _durationMs: number): void {
    const statusClass = Math.floor(status / 100);
    const key = `${agent}\n${operation}\n${statusClass}`;
    let child = this.#answered.get(key);
    if (child === undefined) {
      child = boundCounter(this.#upstreamStatus, { agent: this.agentLabel(agent), operation, status: `${statusClass}xx` });
      if (this.#answered.size < MAX_AGENT_LABELS * 64) this.#answered.set(key, child);
    }
    child.inc();
  }
}
