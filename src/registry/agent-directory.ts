import { Errors } from '../protocol/index.js';
import type { AgentListQuery, AgentRecord, RegistryChange } from '../contracts/registry/index.js';

/** Receives every record this replica learns of (the search index). */
export interface DirectoryListener {
  upsert(record: AgentRecord): void;
  remove(name: string): void;
}

/** The largest page: a gateway loading a large registry reads it in pages this size. */
const MAX_PAGE = 1000;

/**
 * This replica's in-memory copy of every agent record, fed by the change
 * log (and by its own writes at once, for read-your-writes). A change
 * applies only when newer than what the entry last saw, so the order in
 * which the two paths deliver does not matter.
 */
export class AgentDirectory {
  readonly #records = new Map<string, AgentRecord>();
  readonly #seqOf = new Map<string, number>();
  readonly #listener: DirectoryListener;
  #sorted: AgentRecord[] | undefined;

  constructor(listener: DirectoryListener) {
    this.#listener = listener;
  }

  get size(): number {
    return this.#records.size;
  }

  /** Loads the full table, as of change-log position `seq`. */
  load(records: readonly AgentRecord[], seq: number): void {
    for (const record of records) {
      this.#records.set(record.name, record);
      this.#seqOf.set(record.name, seq);
      this.#listener.upsert(record);
    }
    this.#sorted = undefined;
  }

  apply(change: RegistryChange): void {
    if ((this.#seqOf.get(change.agent) ?? 0) >= change.seq) return;
    this.#seqOf.set(change.agent, change.seq);
    if (change.kind === 'deregistered') {
      if (this.#records.delete(change.agent)) this.#listener.remove(change.agent);
      this.#sorted = undefined;
      return;
    }
    if (!change.record) return;
    this.#records.set(change.agent, change.record);
    this.#listener.upsert(change.record);
    this.#sorted = undefined;
  }

  get(name: string): AgentRecord | undefined {
    return this.#records.get(name);
  }

  /** Records by name, filtered, after the page token's name. */
  list(query: AgentListQuery): { agents: AgentRecord[]; nextPageToken?: string; totalSize: number } {
    const pageSize = query.pageSize ?? 50;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE) {
      throw Errors.registryPageSizeOutOfRange({ max: MAX_PAGE }, { violations: [{ field: 'pageSize', description: `must be an integer from 1 to ${MAX_PAGE}` }] });
    }
    const after = query.pageToken === undefined ? undefined : decodeToken(query.pageToken);
    const all = this.#all();
    // Unfiltered (a gateway loading everything), the sorted list itself: no copy per page.
    const matching = FILTERS.some((f) => query[f] !== undefined) ? all.filter((r) => matches(r, query)) : all;
    // Names are sorted: the first one after the token by binary search, not a scan per page.
    const start = after === undefined ? 0 : firstAfter(matching, after);
    const page = matching.slice(start, start + pageSize);
    const last = page[page.length - 1];
    const more = start + pageSize < matching.length;
    return { agents: page, ...(more && last && { nextPageToken: Buffer.from(last.name).toString('base64url') }), totalSize: matching.length };
  }

  countByHealth(): Record<AgentRecord['health'], number> {
    const counts = { healthy: 0, degraded: 0, down: 0, unknown: 0 };
    for (const record of this.#records.values()) counts[record.health]++;
    return counts;
  }

  #all(): AgentRecord[] {
    this.#sorted ??= [...this.#records.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return this.#sorted;
  }
}

const FILTERS = ['department', 'status', 'health', 'skill', 'tag', 'tenant', 'verified', 'review'] as const satisfies ReadonlyArray<keyof AgentListQuery>;

/** Index of the first record whose name sorts after `name` (`records.length` when none). */
function firstAfter(records: readonly AgentRecord[], name: string): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.name > name) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function decodeToken(token: string): string {
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    throw Errors.registryPageTokenUnknown({}, { violations: [{ field: 'pageToken', description: 'is not a token from a previous page' }] });
  }
  return name;
}

const eq = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

function matches(record: AgentRecord, q: AgentListQuery): boolean {
  const m = record.metadata;
  if (q.department !== undefined && !eq(m.department, q.department)) return false;
  if (q.status !== undefined && !eq(record.status, q.status)) return false;
  if (q.health !== undefined && !eq(record.health, q.health)) return false;
  if (q.skill !== undefined && !record.card.skills.some((s) => eq(s.id, q.skill!))) return false;
  if (q.tag !== undefined && !(m.tags ?? []).concat(record.card.skills.flatMap((s) => s.tags)).some((t) => eq(t, q.tag!))) return false;
  if (q.tenant !== undefined && m.tenants !== undefined && m.tenants.length > 0 && !m.tenants.some((t) => eq(t, q.tenant!))) return false;
  if (q.verified !== undefined && (record.ownership?.status === 'verified') !== q.verified) return false;
  if (q.review === 'pending' && record.review === undefined) return false;
  return true;
}
