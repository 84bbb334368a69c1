import type { Kysely } from 'kysely';
import type { Tables } from '../../storage/index.js';
import type { LearnedRoutes } from './select-target.js';

/** Confirmed requests kept per tenant and candidate: the latest win. */
const PER_CANDIDATE = 50;
/** Rows read per tenant at most (the ranking compares each with the request). */
const PER_TENANT = 2_000;
/** A request longer than this is kept clipped. */
const MAX_REQUEST = 500;
/** A tenant's examples are reread after this long, ms: another replica's confirmations show up within it. */
const CACHE_TTL_MS = 5_000;

/**
 * Confirmed routes in the process (ADR 0019): per tenant, candidate →
 * the requests users confirmed for it. A restart forgets them; the SQL
 * store keeps them and shares them between replicas.
 */
export class MemoryLearnedRoutes implements LearnedRoutes {
  readonly #tenants = new Map<string, Map<string, string[]>>();

  async forTenant(tenant: string): Promise<Map<string, string[]>> {
    return new Map([...(this.#tenants.get(tenant) ?? new Map<string, string[]>())].map(([k, v]) => [k, [...v]]));
  }

  async add(tenant: string, candidate: string, text: string): Promise<void> {
    const request = clip(text);
    if (request === '') return;
    const byCandidate = this.#tenants.get(tenant) ?? new Map<string, string[]>();
    const list = (byCandidate.get(candidate) ?? []).filter((r) => r !== request);
    list.push(request);
    byCandidate.set(candidate, list.slice(-PER_CANDIDATE));
    this.#tenants.set(tenant, byCandidate);
  }
}

/** Options of {@link SqlLearnedRoutes}. */
export interface SqlLearnedRoutesOptions {
  /** The orchestrator's database (migration 0013). */
  db: Kysely<Tables>;
  now?: () => number;
}

/**
 * Confirmed routes in the orchestrator's database (`router_learned_routes`,
 * tenant-owned: row security on PostgreSQL): every replica learns what a
 * user confirmed on another, and a restart keeps it. A tenant's rows are
 * cached a few seconds.
 */
export class SqlLearnedRoutes implements LearnedRoutes {
  readonly #db: Kysely<Tables>;
  readonly #now: () => number;
  readonly #cache = new Map<string, { at: number; value: Promise<Map<string, string[]>> }>();

  constructor(options: SqlLearnedRoutesOptions) {
    this.#db = options.db;
    this.#now = options.now ?? Date.now;
  }

  forTenant(tenant: string): Promise<Map<string, string[]>> {
    const hit = this.#cache.get(tenant);
    if (hit !== undefined && this.#now() - hit.at < CACHE_TTL_MS) return hit.value;
    const value = this.#read(tenant);
    this.#cache.set(tenant, { at: this.#now(), value });
    value.catch(() => this.#cache.delete(tenant));
    if (this.#cache.size > 1_000) this.#cache.delete(this.#cache.keys().next().value!);
    return value;
  }

  async #read(tenant: string): Promise<Map<string, string[]>> {
    const rows = await this.#db.selectFrom('router_learned_routes').select(['candidate', 'request']).where('tenant', '=', tenant).orderBy('created_at', 'desc').limit(PER_TENANT).execute();
    const byCandidate = new Map<string, string[]>();
    for (const row of rows) {
      const list = byCandidate.get(row.candidate) ?? [];
      if (list.length < PER_CANDIDATE) list.push(row.request);
      byCandidate.set(row.candidate, list);
    }
    return byCandidate;
  }

  async add(tenant: string, candidate: string, text: string): Promise<void> {
    const request = clip(text);
    if (request === '') return;
    const now = this.#now();
    await this.#db
      .insertInto('router_learned_routes')
      .values({ tenant, candidate, request, created_at: now })
      .onConflict((oc) => oc.columns(['tenant', 'candidate', 'request']).doUpdateSet({ created_at: now }))
      .execute();
    this.#cache.delete(tenant);
  }
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_REQUEST ? flat.slice(0, MAX_REQUEST) : flat;
}
