import type { AgentCard } from '@a2a-js/sdk';
import { ErrorCodes, invalidArgument } from '../../protocol/index.js';
import { createRegistryClient, recordFromJson, registryStatusOf, type AgentHealth, type RegistryClient, type WireAgentRecord } from '../../contracts/registry-client/index.js';
import { MAX_SEARCH_TEXT_LENGTH } from '../../contracts/registry/index.js';

export type { AgentHealth } from '../../contracts/registry-client/index.js';

/** What the router reads of a registry record. */
export interface RegistryAgent {
  name: string;
  status: string;
  health: AgentHealth;
  card: AgentCard;
  /** Tenants allowed to see and call the agent; absent or empty = every tenant. */
  tenants: string[] | undefined;
  /** Record-level tags (beyond those of the card's skills). */
  tags: string[];
  /** The record's department, when it has one. */
  department: string | undefined;
  /** The skills' input schemas (registry `metadata.skills[id].inputSchema`): their field names rank too. */
  inputSchemas: unknown[];
}

/** One ARD search result: the record name and its relevance, 0–100. */
export interface SearchHit {
  name: string;
  score: number;
}

/** Options of {@link RegistryReader}. Durations in ms. */
export interface RegistryReaderOptions {
  /** Base URL of the registry, e.g. `http://registry:4100`. */
  url: string;
  /** Bearer token sent on every read (reads are open on a standalone registry; a gateway may want one). */
  token?: string | undefined;
  /** How long an answer is reused: a few seconds keeps a burst of messages from hitting the registry each time (3 s). */
  cacheTtlMs?: number;
  /** Time one call may take (5 s). */
  timeoutMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** The fetch of the reads (a pool presenting a client certificate); default global fetch. */
  fetch?: typeof fetch | undefined;
}

const DEFAULT_CACHE_TTL_MS = 3_000;
const DEFAULT_TIMEOUT_MS = 5_000;
/** Answers kept at most; the oldest goes first. */
const CACHE_ENTRIES = 512;
/** Pages of 100 read for one listing: 10,000 agents share a skill or tag before we stop reading. */
const MAX_PAGES = 100;
/** Search results read: the router re-ranks only the head of the ranking. */
const SEARCH_PAGE_SIZE = 20;

/**
 * The registry reads of the router, over HTTP (roles never import each
 * other): agents by skill, by tag, by name, and ARD text search. Answers are
 * cached for a few seconds, and concurrent identical reads share one
 * request. The registry URL is operator configuration, so plain fetch (no
 * SSRF guard). Failures are the registry client's AgentmeshErrors,
 * retryable unless the registry refused the request itself (4xx).
 *
 * @example
 * const registry = new RegistryReader({ url: 'http://localhost:4100' });
 * const hits = await registry.search('review this contract');
 * const agent = await registry.agent(hits[0].name);
 */
export class RegistryReader {
  readonly #client: RegistryClient;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(options: RegistryReaderOptions) {
    this.#ttlMs = nonNegative('cacheTtlMs', options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS);
    this.#client = createRegistryClient({ url: options?.url, token: options.token, timeoutMs: nonNegative('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS), fetch: options.fetch });
    this.#now = options.now ?? Date.now;
  }

  /** The registry's base URL. */
  get url(): string {
    return this.#client.url;
  }

  /** Agents whose card offers skill `id` (`GET /v1/agents?skill=`), whatever their status and health. */
  agentsWithSkill(id: string): Promise<RegistryAgent[]> {
    return this.#cached(`skill\u0000${id}`, () => this.#list({ skill: id }));
  }

  /** Agents tagged `tag`, on a skill or on the record (`GET /v1/agents?tag=`). */
  agentsWithTag(tag: string): Promise<RegistryAgent[]> {
    return this.#cached(`tag\u0000${tag}`, () => this.#list({ tag }));
  }

  /** One agent by name, or undefined when it is not registered. */
  agent(name: string): Promise<RegistryAgent | undefined> {
    return this.#cached(`agent\u0000${name}`, async () => {
      try {
        return toAgent(await this.#client.getAgent(name));
      } catch (err) {
        if (registryStatusOf(err) === 404) return undefined;
        throw err;
      }
    });
  }

  /**
   * ARD search (`POST /search`) among active agents that are not down, best
   * first. The text is cut to what the registry accepts.
   */
  search(text: string): Promise<SearchHit[]> {
    const query = clip(text);
    return this.#cached(`search\u0000${query}`, async () => {
      const page = await this.#client.search({
        query: { text: query, filter: { status: ['active'], health: ['healthy', 'degraded', 'unknown'] } },
        pageSize: SEARCH_PAGE_SIZE,
      });
      return (page?.results ?? []).flatMap((r) => (typeof r.metadata?.name === 'string' ? [{ name: r.metadata.name, score: r.score }] : []));
    });
  }

  async #list(query: { skill?: string; tag?: string }): Promise<RegistryAgent[]> {
    const agents: RegistryAgent[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.#client.listAgents({ ...query, pageSize: 100, pageToken: token });
      agents.push(...(body?.agents ?? []).map(toAgent));
      token = body?.nextPageToken;
      if (token === undefined) break;
    }
    return agents;
  }

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const hit = this.#cache.get(key);
    if (hit !== undefined && now - hit.at < this.#ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.#cache.delete(key);
    if (this.#ttlMs > 0) {
      if (this.#cache.size >= CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(key, { at: now, value });
      // A failed read is not an answer: the next caller tries again.
      value.catch(() => {
        if (this.#cache.get(key)?.value === value) this.#cache.delete(key);
      });
    }
    return value;
  }
}

function toAgent(json: WireAgentRecord): RegistryAgent {
  return {
    name: json.name,
    status: json.status,
    health: json.health,
    card: recordFromJson(json).card,
    tenants: json.metadata?.tenants,
    tags: json.metadata?.tags ?? [],
    department: json.metadata?.department,
    inputSchemas: Object.values(json.metadata?.skills ?? {}).flatMap((s) => (s?.inputSchema !== undefined ? [s.inputSchema] : [])),
  };
}

/** Cuts at a word boundary below the registry's limit. */
function clip(text: string): string {
  if (text.length <= MAX_SEARCH_TEXT_LENGTH) return text;
  const cut = text.slice(0, MAX_SEARCH_TEXT_LENGTH);
  const space = cut.lastIndexOf(' ');
  return space > MAX_SEARCH_TEXT_LENGTH / 2 ? cut.slice(0, space) : cut;
}

function nonNegative(field: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw invalidArgument(ErrorCodes.CONFIG_INVALID, field, `must be a non-negative number of milliseconds; got ${value}`, { expose: true });
  return value;
}
