import { ErrorCodes, Errors, invalidArgument } from '../../protocol/index.js';
import { findParaphrases, rank } from '../../ranking/index.js';
import { MAX_SEARCH_TEXT_LENGTH, type CatalogEntry } from '../../contracts/registry/index.js';
import { toCatalogEntry } from '../catalog-entry.js';
import type { AgentRecord } from '../../contracts/registry/index.js';
import { compileFilter } from './catalog-filter.js';
import type { ArdFilter, CatalogFilter } from './catalog-filter.js';
import { checkFacets, computeFacets } from './facets.js';
import type { Facet, FacetRequest } from './facets.js';
import { indexAgent, visibleTo } from './indexed-agent.js';
import type { IndexedAgent } from './indexed-agent.js';
import { parseOrderBy } from './list-order.js';
import { SEARCH_FIELDS } from './search-document.js';
import type { SearchDocument } from './search-document.js';
import { decodePageToken, encodePageToken, pageSizeOf, queryFingerprint } from './page-token.js';
import { compileSynonyms, DEFAULT_SYNONYMS } from './synonym-table.js';
import type { CompiledSynonyms, Expansion } from './synonym-table.js';
import { termOf } from './text-analyzer.js';
import type { SynonymTable } from './synonym-table.js';
import { TextRanker } from './text-ranker.js';

/** Options of {@link SearchIndex}. */
export interface SearchIndexOptions {
  /** The registry's public base URL; catalog entries point at `<baseUrl>/v1/agents/<name>/card`. */
  baseUrl: string;
  /** Query-time synonyms. Default: the built-in table (`synonyms.json`); `{}` turns them off. */
  synonyms?: SynonymTable;
}

/** ARD Search request (ard.md §7.2), flattened: `text` and `filter` are the `query` members. */
export interface SearchRequest {
  text: string;
  filter?: ArdFilter;
  /** Default 10, 1–100. */
  pageSize?: number;
  pageToken?: string;
  /** The caller's tenant: agents restricted to other tenants are invisible. Absent = no restriction. */
  tenant?: string;
}

/** A catalog entry with its relevance, 0–100 (integer). */
export type ScoredCatalogEntry = CatalogEntry & { score: number };

export interface SearchResponse {
  results: ScoredCatalogEntry[];
  pageToken?: string;
  /** Size of the whole matched set. */
  totalSize: number;
}

/** ARD Explore request (ard.md §7.3), flattened. Without `text` and `filter` it covers every visible agent. */
export interface ExploreRequest {
  text?: string;
  filter?: ArdFilter;
  facets: FacetRequest[];
  tenant?: string;
}

export interface ExploreResponse {
  resultType: 'facets';
  /** Keyed by the field as requested. */
  facets: Record<string, Facet>;
}

/** ARD List request (ard.md §7.4). */
export interface ListRequest {
  filter?: ArdFilter;
  /** Default 20, 1–100. */
  pageSize?: number;
  pageToken?: string;
  /** e.g. "updatedAt desc, name". Default "name". */
  orderBy?: string;
  tenant?: string;
}

export interface ListResponse {
  entries: CatalogEntry[];
  pageToken?: string;
  totalSize: number;
}

const SEARCH_PAGE_SIZE = 10;
/** Results re-ordered by the shared ranking (the router reads 20). */
const RERANK_HEAD = 20;
/** Weight of a paraphrase's card word in the BM25 query: a related synonym's (ADR 0030). */
const PARAPHRASE_QUERY_WEIGHT = 0.5;

/**
 * The card words a search text's everyday phrasings stand for ("days off" →
 * vacation, leave, policy: src/ranking's paraphrase lexicon), as related
 * synonyms of the words of the phrase: an agent whose card says it
 * differently is found (and re-ranked), and one matching the words as typed
 * still comes first.
 */
function paraphraseSynonyms(text: string): CompiledSynonyms {
  const synonyms = new Map<string, Expansion[]>();
  for (const p of findParaphrases(text)) {
    const terms = [...new Set(p.meansWords.flatMap((w) => w.toLowerCase().split(/[\s-]+/)).map((w) => termOf(w)).filter((t): t is string => t !== undefined))];
    for (const source of p.source) {
      const list = synonyms.get(source) ?? [];
      for (const term of terms) if (term !== source && !list.some((e) => e.term === term)) list.push({ term, weight: PARAPHRASE_QUERY_WEIGHT });
      synonyms.set(source, list);
    }
  }
  return synonyms;
}
/** Re-ordered heads kept (a few hundred bytes each). */
const HEAD_CACHE_ENTRIES = 4_096;
const LIST_PAGE_SIZE = 20;
const LIST_CACHE_SIZE = 8;
const VERDICT_MEMOS = 32;
const ADMITTED = 1;
const REFUSED = 2;

interface KeyedAgent {
  agent: IndexedAgent;
  key: string[];
}

/**
 * The registry's in-process discovery index: ARD Search (ranked text +
 * filters), Explore (facets) and List over catalog entries built from agent
 * records. Kept in step with the store by `upsert`/`remove`; everything is
 * in memory and synchronous.
 *
 * @example
 * const index = new SearchIndex({ baseUrl: 'https://registry.example.com' });
 * index.upsert(record);
 * const { results } = index.search({ text: 'score leads similar to my best customers', filter: { department: 'growth' } });
 * results[0]?.score; // 0–100
 */
export class SearchIndex {
  #baseUrl: string;
  readonly #agents = new Map<string, IndexedAgent>();
  readonly #ranker: TextRanker;
  /** Bumped by every change; List's sorted-order cache is valid for one revision. */
  #revision = 0;
  readonly #listCache = new Map<string, { revision: number; keyed: KeyedAgent[] }>();
  readonly #verdicts = new Map<string, { revision: number; verdicts: Int8Array }>();
  /** Re-ordered heads of searches (text and head → order), valid for one revision. */
  readonly #headCache = new Map<string, { revision: number; order: number[] }>();

  constructor(options: SearchIndexOptions) {
    this.#baseUrl = checkBaseUrl(options?.baseUrl);
    this.#ranker = new TextRanker(compileSynonyms(options.synonyms ?? DEFAULT_SYNONYMS));
  }

  /**
   * Changes the URL catalog entries point at (a registry listening on port 0
   * learns its URL only once listening). Entries are rebuilt; the text index is untouched.
   */
  setBaseUrl(baseUrl: string): void {
    this.#baseUrl = checkBaseUrl(baseUrl);
    for (const [name, agent] of this.#agents) {
      const rebuilt = { ...agent, entry: toCatalogEntry(agent.record, this.#baseUrl) };
      this.#agents.set(name, rebuilt);
      this.#ranker.refresh(rebuilt);
    }
    this.#revision += 1;
  }

  /** Number of agents indexed. */
  get size(): number {
    return this.#agents.size;
  }

  /** Adds a record, replacing any entry of the same name. */
  upsert(record: AgentRecord): void {
    if (typeof record?.name !== 'string' || record.name === '' || typeof record.card !== 'object' || record.card === null || !Array.isArray(record.card.skills)) {
      throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'record', 'must be an agent record with a name and a card with skills');
    }
    const previous = this.#agents.get(record.name);
    const agent = indexAgent(record, this.#baseUrl, previous);
    // Heartbeats, health and status changes re-upsert the same text: keep the
    // text index (and its caches) and swap only what filters and entries read.
    if (previous === undefined) this.#ranker.add(agent);
    else if (sameText(previous.doc, agent.doc)) this.#ranker.refresh(agent);
    else this.#ranker.replace(previous, agent);
    this.#agents.set(agent.name, agent);
    this.#revision += 1;
  }

  /** Removes an agent; removing an unknown name does nothing. */
  remove(name: string): void {
    const agent = this.#agents.get(name);
    if (agent === undefined) return;
    this.#ranker.remove(agent);
    this.#agents.delete(name);
    this.#revision += 1;
  }

  /** ARD Search: entries relevant to `text` that pass `filter`, best first. */
  search(request: SearchRequest): SearchResponse {
    const text = checkText(request.text, true);
    const pageSize = pageSizeOf(request.pageSize, SEARCH_PAGE_SIZE);
    const tenant = checkTenant(request.tenant);
    const filter = compileFilter(request.filter, 'query.filter');
    const fingerprint = (): string => queryFingerprint(['search', text, filter?.key ?? null, tenant ?? null]);
    const offset = request.pageToken === undefined ? 0 : (decodePageToken(request.pageToken, fingerprint()).offset ?? 0);

    const ranking = this.#ranker.rank(text, paraphraseSynonyms(text));
    const admit = this.#admitter(filter, tenant);
    // Positions (in `ordinals`) of the admitted results needed (the head and this page), in BM25 order.
    const needed = Math.max(offset + pageSize, RERANK_HEAD);
    const admitted: number[] = [];
    let total = 0;
    let { ordinals, scores } = ranking.head(needed);
    if (admit === undefined) {
      total = ranking.length;
      for (let i = 0; i < Math.min(total, needed); i++) admitted.push(i);
    } else {
      // A filter's total counts every match: the whole order (computed once, then cached with the ranking).
      ({ ordinals, scores } = ranking.head(ranking.length));
      for (let i = 0; i < ordinals.length; i++) {
        if (!admit(ordinals[i]!)) continue;
        if (total < needed) admitted.push(i);
        total += 1;
      }
    }
    const { order } = this.#rerankHead(text, admitted.slice(0, RERANK_HEAD).map((i) => ordinals[i]!), admitted.slice(0, RERANK_HEAD).map((i) => scores[i]!));
    // Scores stay the registry's (BM25-based, ard.md §7.2), made non-increasing along the new order.
    const headScores: number[] = [];
    for (const k of order) headScores.push(Math.min(headScores.at(-1) ?? 100, Math.min(100, Math.round(scores[admitted[k]!]!))));
    const ranked = [...order.map((k) => admitted[k]!), ...admitted.slice(RERANK_HEAD)];
    const page = ranked.slice(offset, offset + pageSize);
    // The tail keeps BM25 scores, never above the head's lowest: scores stay in result order.
    const floor = headScores.length > 0 ? Math.min(...headScores) : 100;
    const scoreAt = (position: number, i: number): number => (position < headScores.length ? headScores[position]! : Math.min(floor, Math.min(100, Math.round(scores[i]!))));
    const next = offset + pageSize;
    return {
      results: page.map((i, k) => ({ ...this.#ranker.agentAt(ordinals[i]!).entry, score: scoreAt(offset + k, i) })),
      ...(next < total && { pageToken: encodePageToken(fingerprint(), { offset: next }) }),
      totalSize: total,
    };
  }

  /**
   * The head of a BM25 ranking re-ordered by the ranking the router uses
   * (src/ranking: fields weighted, intent cues, synonyms): registry search
   * and the router put the same agent first. Returns the new order (indexes
   * into `head`; ties keep the BM25 order).
   */
  #rerankHead(text: string, head: readonly number[], relevance: readonly number[]): { order: number[] } {
    if (head.length === 0) return { order: [] };
    // Cached per text and head until the next change: a repeated search costs a lookup (CONTRIBUTING.md, "Hot paths").
    const key = `${text}\u0000${head.join(',')}`;
    const cached = this.#headCache.get(key);
    if (cached !== undefined && cached.revision === this.#revision) return { order: cached.order };
    const agents = head.map((o) => this.#ranker.agentAt(o));
    const ranking = rank(text, agents.map((a) => a.ranked), { prior: new Map(agents.map((a, k) => [a.name, relevance[k]!])) });
    const byName = new Map(ranking.candidates.map((c) => [c.id, c]));
    const order = head.map((_, k) => k).sort((a, b) => (byName.get(agents[b]!.name)?.raw ?? 0) - (byName.get(agents[a]!.name)?.raw ?? 0) || a - b);
    this.#headCache.delete(key);
    if (this.#headCache.size >= HEAD_CACHE_ENTRIES) this.#headCache.delete(this.#headCache.keys().next().value!);
    this.#headCache.set(key, { revision: this.#revision, order });
    return { order };
  }

  /** ARD Explore: facet counts over the matched set (same relevance cutoff as Search). */
  explore(request: ExploreRequest): ExploreResponse {
    const facets = checkFacets(request.facets);
    const text = checkText(request.text, false);
    const tenant = checkTenant(request.tenant);
    const filter = compileFilter(request.filter, 'query.filter');
    let matched: IndexedAgent[];
    if (text === undefined) {
      matched = [...this.#agents.values()].filter((agent) => visibleTo(agent, tenant) && (filter === undefined || filter.matches(agent)));
    } else {
      const admit = this.#admitter(filter, tenant);
      const ranking = this.#ranker.rank(text);
      matched = [...ranking.all()].filter((o) => admit === undefined || admit(o)).map((o) => this.#ranker.agentAt(o));
    }
    return { resultType: 'facets', facets: computeFacets(matched, facets) };
  }

  /** ARD List: deterministic browsing by `orderBy`, no relevance. */
  list(request: ListRequest = {}): ListResponse {
    const pageSize = pageSizeOf(request.pageSize, LIST_PAGE_SIZE);
    const tenant = checkTenant(request.tenant);
    const filter = compileFilter(request.filter, 'filter');
    const order = parseOrderBy(request.orderBy);
    const fingerprint = queryFingerprint(['list', filter?.key ?? null, tenant ?? null, order.canonical]);
    const after = request.pageToken === undefined ? undefined : decodePageToken(request.pageToken, fingerprint).after;

    const keyed = this.#sorted(fingerprint, () =>
      [...this.#agents.values()]
        .filter((agent) => visibleTo(agent, tenant) && (filter === undefined || filter.matches(agent)))
        .map((agent) => ({ agent, key: order.keyOf(agent) }))
        .sort((a, b) => order.compare(a.key, b.key)),
    );
    const start = after === undefined ? 0 : firstAfter(keyed, after, order.compare);
    const page = keyed.slice(start, start + pageSize);
    const last = page.at(-1);
    return {
      entries: page.map(({ agent }) => agent.entry),
      ...(start + pageSize < keyed.length && last !== undefined && { pageToken: encodePageToken(fingerprint, { after: last.key }) }),
      totalSize: keyed.length,
    };
  }

  /**
   * The filtered, ordered agents of a List query, cached until the next
   * change: paging through the catalog (ai-catalog.json walks every page)
   * then costs one sort, not one per page.
   */
  #sorted(fingerprint: string, build: () => KeyedAgent[]): KeyedAgent[] {
    const cached = this.#listCache.get(fingerprint);
    if (cached !== undefined && cached.revision === this.#revision) return cached.keyed;
    const keyed = build();
    if (this.#listCache.size >= LIST_CACHE_SIZE) this.#listCache.delete(this.#listCache.keys().next().value!);
    this.#listCache.set(fingerprint, { revision: this.#revision, keyed });
    return keyed;
  }

  /**
   * The candidate test of a request by ranking ordinal, or undefined when
   * every agent is a candidate. Verdicts are memoized per filter and tenant
   * until the next change, so a router repeating "department=sales,
   * health=healthy" tests each agent once, not once per search.
   */
  #admitter(filter: CatalogFilter | undefined, tenant: string | undefined): ((ordinal: number) => boolean) | undefined {
    if (filter === undefined && tenant === undefined) return undefined;
    const key = `${filter?.key ?? ''}\u0000${tenant ?? ''}`;
    let memo = this.#verdicts.get(key);
    if (memo === undefined || memo.revision !== this.#revision) {
      memo = { revision: this.#revision, verdicts: new Int8Array(this.#ranker.capacity) };
      this.#verdicts.delete(key);
      if (this.#verdicts.size >= VERDICT_MEMOS) this.#verdicts.delete(this.#verdicts.keys().next().value!);
      this.#verdicts.set(key, memo);
    }
    const { verdicts } = memo;
    return (ordinal) => {
      let verdict = verdicts[ordinal];
      if (verdict === 0) {
        const agent = this.#ranker.agentAt(ordinal);
        verdict = visibleTo(agent, tenant) && (filter === undefined || filter.matches(agent)) ? ADMITTED : REFUSED;
        verdicts[ordinal] = verdict;
      }
      return verdict === ADMITTED;
    };
  }
}

function sameText(a: SearchDocument, b: SearchDocument): boolean {
  return SEARCH_FIELDS.every((field) => a[field] === b[field]);
}

function checkBaseUrl(baseUrl: unknown): string {
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw Errors.searchBaseUrlInvalid({}, { violations: [{ field: 'baseUrl', description: 'must be an absolute http(s) URL' }] });
  }
  return baseUrl;
}

function checkText(text: unknown, required: true): string;
function checkText(text: unknown, required: false): string | undefined;
function checkText(text: unknown, required: boolean): string | undefined {
  if (text === undefined && !required) return undefined;
  if (typeof text !== 'string' || text.trim() === '') {
    throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'query.text', required ? 'is required and must be a non-empty string' : 'must be a non-empty string when given');
  }
  if (text.length > MAX_SEARCH_TEXT_LENGTH) throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'query.text', `must be at most ${MAX_SEARCH_TEXT_LENGTH} characters`);
  return text;
}

function checkTenant(tenant: unknown): string | undefined {
  if (tenant === undefined) return undefined;
  if (typeof tenant !== 'string' || tenant === '') throw invalidArgument(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'tenant', 'must be a non-empty string');
  return tenant;
}

/** Index of the first keyed agent strictly after `key` (binary search over the sorted list). */
function firstAfter(keyed: readonly KeyedAgent[], key: readonly string[], compare: (a: readonly string[], b: readonly string[]) => number): number {
  let low = 0;
  let high = keyed.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(keyed[mid]!.key, key) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
