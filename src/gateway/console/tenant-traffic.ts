/**
 * One tenant's own traffic, per hour over the last day, for its admin's
 * overview (docs/console.md#overview): calls, failed and denied calls,
 * latency percentiles and the credits charged. Read from the audit trail,
 * which records every call with its tenant, outcome and duration, so nothing
 * tenant-labelled is added to the gateway's metrics (whose series are by
 * agent and outcome only) and every replica answers the same. The read is
 * bounded ({@link MAX_ROWS} rows of the last day, any tenant's, newest hour
 * first) and cached per tenant for {@link CACHE_MS}; past the bound the
 * oldest hours are short and the answer says `partial`.
 */
import type { AuditLog, AuditRow } from '../../audit/index.js';
import type { TenantTraffic, TrafficHour } from '../../contracts/console/index.js';

export type { TenantTraffic, TrafficHour };

/** Hours of history: the last day. */
export const TRAFFIC_HOURS = 24;
/** Rows of the last day read at most per answer (of every tenant: the trail is not indexed by tenant). */
export const MAX_ROWS = 100_000;
/** How long one tenant's answer is reused: the overview reads it every minute; several open at once share a read. */
export const CACHE_MS = 10_000;

const HOUR_MS = 3_600_000;

/** The value at quantile `q` of sorted `values` (nearest rank), or null for none. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A call of the data plane: the proxy writes one row per call, naming the agent and the A2A method. */
const isCall = (row: AuditRow) => row.targetAgent !== undefined && row.method !== undefined && !row.eventType.startsWith('credits.settled') && row.eventType !== 'credits.expired';

/** Builds a tenant's last day from the rows of that day (any tenant's, chain order). */
export function foldTraffic(tenant: string, rows: Iterable<AuditRow>, now: number): Omit<TenantTraffic, 'scanned' | 'partial'> {
  const first = Math.floor(now / HOUR_MS) * HOUR_MS - (TRAFFIC_HOURS - 1) * HOUR_MS;
  const hours = Array.from({ length: TRAFFIC_HOURS }, (_, i) => ({ at: first + i * HOUR_MS, calls: 0, errors: 0, denied: 0, durations: [] as number[], milliCredits: 0 }));
  for (const row of rows) {
    if (row.tenant !== tenant) continue;
    const i = Math.floor((Date.parse(row.time) - first) / HOUR_MS);
    const hour = hours[i];
    if (hour === undefined) continue;
    if (row.eventType === 'credits.settled') {
      hour.milliCredits += row.milliCredits ?? 0;
      continue;
    }
    if (!isCall(row)) continue;
    hour.calls += 1;
    if (row.outcome === 'error') hour.errors += 1;
    if (row.outcome === 'denied') hour.denied += 1;
    if (row.outcome !== 'denied' && typeof row.durationMs === 'number') hour.durations.push(row.durationMs);
    // A call still running when it answered holds credits; what it costs is its credits.settled row, later.
    if (row.detail?.['settled'] === true) hour.milliCredits += row.milliCredits ?? 0;
  }
  return {
    tenant,
    hours: hours.map((h) => {
      const sorted = h.durations.sort((a, b) => a - b);
      return { at: new Date(h.at).toISOString(), calls: h.calls, errors: h.errors, denied: h.denied, p50Ms: quantile(sorted, 0.5), p95Ms: quantile(sorted, 0.95), milliCredits: h.milliCredits };
    }),
  };
}

/** A tenant's last day of calls, read from the audit trail (cached per tenant for a while). */
export class TenantTrafficReader {
  readonly #audit: AuditLog;
  readonly #clock: () => number;
  readonly #cache = new Map<string, { until: number; answer: Promise<TenantTraffic> }>();

  constructor(audit: AuditLog, clock: () => number = Date.now) {
    this.#audit = audit;
    this.#clock = clock;
  }

  of(tenant: string): Promise<TenantTraffic> {
    const now = this.#clock();
    const cached = this.#cache.get(tenant);
    if (cached !== undefined && cached.until > now) return cached.answer;
    const answer = this.#read(tenant, now);
    // Bounded: tenants asked in the last CACHE_MS only.
    for (const [key, entry] of this.#cache) if (entry.until <= now) this.#cache.delete(key);
    this.#cache.set(tenant, { until: now + CACHE_MS, answer });
    answer.catch(() => this.#cache.delete(tenant));
    return answer;
  }

  async #read(tenant: string, now: number): Promise<TenantTraffic> {
    const first = Math.floor(now / HOUR_MS) * HOUR_MS - (TRAFFIC_HOURS - 1) * HOUR_MS;
    const rows: AuditRow[] = [];
    let partial = false;
    let scanned = 0;
    // Newest hour first: past the bound, the hours left out are the oldest.
    for (let i = TRAFFIC_HOURS - 1; i >= 0 && !partial; i--) {
      const from = new Date(first + i * HOUR_MS).toISOString();
      const to = new Date(first + (i + 1) * HOUR_MS).toISOString();
      for await (const row of this.#audit.export({ from, to })) {
        scanned += 1;
        if (row.tenant === tenant) rows.push(row);
        if (scanned >= MAX_ROWS) {
          partial = true;
          break;
        }
      }
    }
    return { ...foldTraffic(tenant, rows, now), scanned, partial };
  }
}
