import { EphemeralMap } from '../../storage/index.js';

/** Calls in flight on one agent through this gateway replica. */
interface AgentLoad {
  total: number;
  /** Tenants with at least one call in flight. */
  tenants: number;
  /** Tenants turned away while the agent was full, and when: they count as demand for {@link WAITER_MS}. A few at most (small array, not a Map). */
  waiters: Array<{ tenant: string; at: number }>;
}

/** How long a tenant turned away from a full agent still counts in the fair share. */
const WAITER_MS = 2_000;
/** Waiters remembered per agent. */
const MAX_WAITERS = 16;

/** Why a call was not admitted. */
export type GateRefusal = { kind: 'agent'; limit: number } | { kind: 'tenant'; share: number; limit: number };

/**
 * Concurrency per agent and fair share between tenants (ADR 0009). An
 * agent's `maxConcurrentTasks` is split max-min fairly at admission: with
 * `n` tenants calling it (holding calls, or turned away from it in the last
 * two seconds), a tenant may start a call while it holds fewer than
 * ⌈limit / n⌉. One tenant alone may use the whole limit; once a second tenant
 * is turned away, the first cannot take the slots its calls free until the
 * second has its share. Independent
 * of any declared limit, no tenant holds more than `perTenantLimit` calls on
 * one agent. Counters live in {@link EphemeralMap}s (request-rate keys).
 */
export class ConcurrencyGate {
  readonly #agents = new EphemeralMap<AgentLoad>();
  readonly #tenants = new EphemeralMap<number>();
  readonly #perTenantLimit: number;
  /** Calls in flight on every agent. */
  #total = 0;

  constructor(options: { perTenantLimit: number }) {
    this.#perTenantLimit = options.perTenantLimit;
  }

  /**
   * Admits a call of `tenant` on `agent` under `limit` (undefined: only the
   * per-tenant cap applies). Returns a release function, or why not.
   */
  admit(agent: string, tenant: string, limit: number | undefined, now: number = Date.now()): (() => void) | GateRefusal {
    const key = `${agent}\u0000${tenant}`;
    const held = this.#tenants.get(key) ?? 0;
    let load = this.#agents.get(agent);
    const total = load?.total ?? 0;
    if (limit !== undefined) {
      if (total >= limit) {
        load ??= this.#load(agent);
        noteWaiter(load, tenant, now);
        return { kind: 'agent', limit };
      }
      const tenants = (load?.tenants ?? 0) + (held === 0 ? 1 : 0) + (load === undefined ? 0 : waitingOthers(load, tenant, now, this.#tenants, agent));
      const share = Math.max(1, Math.ceil(limit / tenants));
      if (held >= share) return { kind: 'tenant', share, limit };
    }
    if (held >= this.#perTenantLimit) return { kind: 'tenant', share: this.#perTenantLimit, limit: limit ?? this.#perTenantLimit };
    this.#tenants.set(key, held + 1);
    load ??= this.#load(agent);
    load.total += 1;
    this.#total += 1;
    if (held === 0) load.tenants += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total -= 1;
      const now = (this.#tenants.get(key) ?? 1) - 1;
      const current = this.#agents.get(agent);
      if (now <= 0) {
        this.#tenants.delete(key);
        if (current) current.tenants -= 1;
      } else this.#tenants.set(key, now);
      if (current) {
        current.total -= 1;
        if (current.total <= 0 && current.waiters.length === 0) this.#agents.delete(agent);
      }
    };
  }

  #load(agent: string): AgentLoad {
    const load: AgentLoad = { total: 0, tenants: 0, waiters: [] };
    this.#agents.set(agent, load);
    return load;
  }

  /** Calls in flight on every agent: 1 for a call alone in the gateway, which no other answer can share a group write with. */
  inFlightTotal(): number {
    return this.#total;
  }

  /** Calls in flight on `agent` (all tenants). */
  inFlight(agent: string): number {
    return this.#agents.get(agent)?.total ?? 0;
  }
}

function noteWaiter(load: AgentLoad, tenant: string, now: number): void {
  const known = load.waiters.find((w) => w.tenant === tenant);
  if (known) known.at = now;
  else {
    if (load.waiters.length >= MAX_WAITERS) load.waiters.shift();
    load.waiters.push({ tenant, at: now });
  }
}

/** Other tenants turned away recently that hold no call now (those holding one are counted already); forgets stale ones. */
function waitingOthers(load: AgentLoad, tenant: string, now: number, held: EphemeralMap<number>, agent: string): number {
  if (load.waiters.length === 0) return 0;
  load.waiters = load.waiters.filter((w) => now - w.at < WAITER_MS);
  let n = 0;
  for (const w of load.waiters) if (w.tenant !== tenant && (held.get(`${agent}\u0000${w.tenant}`) ?? 0) === 0) n++;
  return n;
}
