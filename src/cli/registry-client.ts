/**
 * The CLI's client of the registry HTTP API (`/v1/agents…`, ARD `/search`):
 * one method per call, and one place that turns a registry error body into
 * an error line a person can act on.
 */
import type { AgentConfigVersion, AgentInstance, AgentListQuery, AgentRecord, CatalogEntry } from '../registry/index.js';
import { AgentmeshError, ErrorCodes, type ErrorCode } from '../protocol/index.js';
import { networkReason } from './client.js';
import { createOutboundFetch } from './outbound-fetch.js';

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

interface ErrorBody {
  error?: {
    message?: unknown;
    details?: Array<{ '@type'?: unknown; reason?: unknown; domain?: unknown; fieldViolations?: Array<{ field?: unknown; description?: unknown }> }>;
  };
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

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
  readonly #fetch: typeof fetch;
  readonly #signal: AbortSignal | undefined;

  constructor(options: RegistryClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new AgentmeshError(ErrorCodes.CLI_USAGE, `invalid registry URL "${options.url}" (expected http(s)://host[:port])`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new AgentmeshError(ErrorCodes.CLI_USAGE, `invalid registry URL "${options.url}": only http and https are supported`);
    this.url = parsed.href.replace(/\/+$/, '');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token !== undefined && options.token !== '') headers.authorization = `Bearer ${options.token}`;
    this.#fetch = createOutboundFetch({ headers, ...(options.fetchImpl && { fetchImpl: options.fetchImpl }), ...(options.signal && { signal: options.signal }) });
    this.#signal = options.signal;
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

  async #call<T>(method: string, path: string, body?: unknown, about: { agent?: string } = {}): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.url}${path}`, {
        method,
        ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (err) {
      // The --timeout deadline: the command runner names the flag.
      if (this.#signal?.aborted) throw err;
      throw new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_FAILED, `cannot reach the registry at ${this.url}: ${networkReason(err)}`, { cause: err, retryable: true });
    }
    const text = await response.text();
    if (response.ok) {
      if (text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_FAILED, `${this.url} answered ${method} ${path} with invalid JSON; is it an agentmesh registry?`, { cause: err });
      }
    }
    throw this.#failure(method, path, response, text, about);
  }

  #failure(method: string, path: string, response: Response, text: string, about: { agent?: string }): AgentmeshError {
    let parsed: ErrorBody | undefined;
    try {
      parsed = JSON.parse(text) as ErrorBody;
    } catch {
      parsed = undefined;
    }
    const error = parsed?.error;
    if (error === undefined) {
      return new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_FAILED, `${this.url} answered ${method} ${path.split('?')[0]} with HTTP ${response.status}; is it an agentmesh registry?`);
    }
    const details = error.details ?? [];
    const reason = details.find((d) => d.domain === 'agentmesh.dev' && typeof d.reason === 'string')?.reason as string | undefined;
    const code = (reason !== undefined && KNOWN_CODES.has(reason) ? reason : ErrorCodes.HTTP_UPSTREAM_FAILED) as ErrorCode;
    const serverMessage = typeof error.message === 'string' ? error.message : `HTTP ${response.status}`;
    const violations = details.flatMap((d) => d.fieldViolations ?? []).map((v) => ({ field: String(v.field), description: String(v.description) }));

    let message: string;
    if (code === ErrorCodes.REGISTRY_AGENT_NOT_FOUND && about.agent !== undefined) message = `agent ${about.agent} is not registered at ${this.url}`;
    else if (response.status === 401) message = `${serverMessage} (pass --token or set REGISTRY_TOKEN)`;
    else if (response.status === 403) message = `${serverMessage} (the token lacks the registry:write scope)`;
    else message = serverMessage;
    // One violation per line: a card with five problems shows all five
    // (the registry's own message often lists them already).
    const unlisted = violations.filter((v) => !message.includes(`${v.field} ${v.description}`));
    if (unlisted.length > 0) message += unlisted.map((v) => `\n  - ${v.field} ${v.description}`).join('');
    return new AgentmeshError(code, message, { violations, retryable: response.status >= 500 });
  }
}

const enc = encodeURIComponent;
