/**
 * The CLI's client of the registry HTTP API (`/v1/agents…`, ARD `/search`):
 * one method per call, and one place that turns a registry error body into
 * an error line a person can act on.
 */
import type { AgentConfigVersion, AgentInstance, AgentListQuery, AgentRecord, CatalogEntry } from '../registry/index.js';
import { ErrorCodes } from '../protocol/index.js';
import { RoleApi } from './role-api.js';

/** Where the CLI finds the registry when neither `--registry` nor `AGENTMESH_REGISTRY` says. */
export const DEFAULT_REGISTRY_URL = 'http://localhost:4100';

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Base URL of the registry. */
  url: string;
  /** Bearer token (writes need `registry:write`). */
  token?: string | undefined;
  /** Underlying fetch; default global fetch with a `traceparent`. */
  fetchImpl?: typeof fetch | undefined;
  /** Deadline of everything this client does (`--timeout`). */
  signal?: AbortSignal | undefined;
}

/** A page of `GET /v1/agents`. */
export interface AgentListPage {
  agents: AgentRecord[];
  nextPageToken?: string;
  totalSize: number;
}

/** Body of `POST /v1/agents`. */
export interface RegistrationRequest {
  cardUrl?: string;
  card?: unknown;
  name?: string;
  metadata?: unknown;
  status?: string;
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
 * Calls the registry. Every failure is an AgentmeshError whose message is
 * the line the CLI prints: unreachable registry (with its URL), unknown
 * agent, refused input (each violation on its own line), missing token.
 *
 * @example
 * const registry = new RegistryClient({ url: 'http://localhost:4100' });
 * const { agents } = await registry.listAgents({ department: 'sales' });
 */
export class RegistryClient {
  readonly url: string;
  readonly #api: RoleApi;

  constructor(options: RegistryClientOptions) {
    this.#api = new RoleApi({
      url: options.url,
      role: 'registry',
      headers: options.token !== undefined && options.token !== '' ? { authorization: `Bearer ${options.token}` } : {},
      fetchImpl: options.fetchImpl,
      signal: options.signal,
      hint: ({ status, message }) =>
        status === 401 ? `${message} (pass --token or set REGISTRY_TOKEN)` : status === 403 ? `${message} (the token lacks the registry:write scope)` : undefined,
    });
    this.url = this.#api.url;
  }

  listAgents(query: AgentListQuery): Promise<AgentListPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    const qs = params.toString();
    return this.#call('GET', `/v1/agents${qs ? `?${qs}` : ''}`);
  }

  getAgent(name: string): Promise<AgentRecord> {
    return this.#call('GET', `/v1/agents/${enc(name)}`, undefined, { agent: name });
  }

  register(body: RegistrationRequest): Promise<AgentRecord> {
    return this.#call('POST', '/v1/agents', body, body.name !== undefined ? { agent: body.name } : {});
  }

  async deregister(name: string): Promise<void> {
    await this.#call('DELETE', `/v1/agents/${enc(name)}`, undefined, { agent: name });
  }

  async instances(name: string): Promise<AgentInstance[]> {
    return (await this.#call<{ instances: AgentInstance[] }>('GET', `/v1/agents/${enc(name)}/instances`, undefined, { agent: name })).instances;
  }

  health(name: string): Promise<AgentHealthReport> {
    return this.#call('GET', `/v1/agents/${enc(name)}/health`, undefined, { agent: name });
  }

  search(body: { query: { text: string; filter?: Record<string, unknown> }; pageSize?: number; pageToken?: string }): Promise<SearchPage> {
    return this.#call('POST', '/search', body);
  }

  activeConfig(name: string): Promise<AgentConfigVersion> {
    return this.#call('GET', `/v1/agents/${enc(name)}/config`, undefined, { agent: name });
  }

  configVersion(name: string, version: number): Promise<AgentConfigVersion> {
    return this.#call('GET', `/v1/agents/${enc(name)}/config/versions/${version}`, undefined, { agent: name });
  }

  async configVersions(name: string): Promise<AgentConfigVersion[]> {
    return (await this.#call<{ versions: AgentConfigVersion[] }>('GET', `/v1/agents/${enc(name)}/config/versions`, undefined, { agent: name })).versions;
  }

  putConfig(name: string, config: Record<string, unknown>, comment?: string): Promise<AgentConfigVersion> {
    return this.#call('PUT', `/v1/agents/${enc(name)}/config`, { config, ...(comment !== undefined && { comment }) }, { agent: name });
  }

  rollbackConfig(name: string, version: number): Promise<AgentConfigVersion> {
    return this.#call('POST', `/v1/agents/${enc(name)}/config/rollback`, { version }, { agent: name });
  }

  #call<T>(method: string, path: string, body?: unknown, about: { agent?: string } = {}): Promise<T> {
    return this.#api.json<T>(method, path, body, ({ code }) => (code === ErrorCodes.REGISTRY_AGENT_NOT_FOUND && about.agent !== undefined ? `agent ${about.agent} is not registered at ${this.url}` : undefined));
  }
}

const enc = encodeURIComponent;
