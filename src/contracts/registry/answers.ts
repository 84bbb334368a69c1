/**
 * The registry API's answers, as the registry writes them and its client
 * (`contracts/registry-client`), the CLI and the console read them.
 */
import type { CatalogEntry } from './catalog-entry.js';
import type { WireAgentRecord } from './record-json.js';
import type { AgentInstance, AgentOwnership, AgentRecord } from './record.js';

/** Filters and paging of the management list, `GET /v1/agents` (the `listQuery` schema of `requests.ts`); every filter exact and case-insensitive. */
export interface AgentListQuery {
  department?: string | undefined;
  tag?: string | undefined;
  skill?: string | undefined;
  status?: string | undefined;
  tenant?: string | undefined;
  health?: string | undefined;
  pageSize?: number | undefined;
  pageToken?: string | undefined;
  /** `instances`: the page also carries each listed agent's instances (`AgentListPage.instances`). */
  include?: 'instances' | undefined;
  /** true: only agents whose ownership claim is verified; false: only the others. */
  verified?: boolean | undefined;
  /** `pending`: only agents with a card change waiting for a reviewer. */
  review?: 'pending' | undefined;
}

/** A page of `GET /v1/agents`. */
export interface AgentListPage {
  agents: WireAgentRecord[];
  nextPageToken?: string;
  totalSize: number;
  /** With `include=instances`: the instances of each agent on the page, by agent name (an empty list for one without any). */
  instances?: Record<string, AgentInstance[]>;
}

/** One probe point of an instance's history. */
export interface ProbePoint {
  at: string;
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

/** `GET /v1/agents/{name}/health`. */
export interface AgentHealthReport {
  agent: string;
  health: AgentRecord['health'];
  instances: Array<AgentInstance & { history: ProbePoint[] }>;
}

/** One ARD search result. */
export type SearchResult = CatalogEntry & { score: number };

/** `POST /search`. */
export interface SearchPage {
  results: SearchResult[];
  pageToken?: string;
}

/**
 * `GET /v1/agents/{name}/ownership`: the verdict on the claim and what the
 * owner publishes for each method to prove it.
 */
export interface OwnershipReport {
  agent: string;
  /** Absent when the metadata claims no owner. */
  ownership?: AgentOwnership;
  /** Present with a claim. */
  publish?: {
    /** A TXT record at `name` whose text is `value`. */
    dns: { name: string; type: 'TXT'; value: string };
    /** A JSON file at `url` (on the card's host, which must be the domain or under it) holding `body`'s fields. */
    wellKnown: { url?: string; body: { owner: string; organization?: string; tokens: string[] } };
    /** A JWK Set at `keysUrl` holding the public key of a signature the card carries. */
    signature: { keysUrl: string };
  };
}
