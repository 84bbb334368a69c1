import type {
  AcpRegistrationRequest,
  AgentConfigVersion,
  AgentHealthReport,
  AgentInstance,
  AgentListPage,
  AgentListQuery,
  AgentUpsert,
  CardReview,
  InstanceRegistration,
  OwnershipReport,
  ReviewDecision,
  ReviewListQuery,
  RegistrationRequest,
  RegistryChangeKind,
  SearchPage,
  SearchRequest,
  WireAgentRecord,
} from '../registry/index.js';
import { Errors } from '../../protocol/index.js';
import { malformed, networkFailure, statusFailure, type RegistryFailureHint } from './registry-failure.js';

/** Options of {@link createRegistryClient}. */
export interface RegistryClientOptions {
  /** Base URL of the registry, e.g. `http://registry:4100`. */
  url: string;
  /** Bearer token sent on every call (writes need `registry:write`). */
  token?: string | undefined;
  /** The fetch to call with (tracing, a connection pool, a deadline); default global fetch. */
  fetch?: typeof fetch | undefined;
  /** Time one call may take, ms; for `watch`, until the stream opens. Default: no limit of our own. */
  timeoutMs?: number | undefined;
  /** Rewrites the message of a failed call (the CLI says what to do about a 401). */
  hint?: RegistryFailureHint | undefined;
}

/** Per call: the caller's cancellation. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** What `PUT /v1/agents/{name}` did ({@link RegistryClient.upsertAgent}). */
export interface AgentPut {
  /** The record as the registry serves it now: with a change held, still the approved one. */
  record: WireAgentRecord;
  /** The id of the review holding the change (202, `Location: /v1/reviews/<id>`; docs/registry.md#review-holds); absent when it applied at once. */
  heldFor?: string;
}

/** Which changes `GET /watch` streams, and from where. */
export interface WatchQuery {
  /** Only this agent's changes; default every agent. */
  agent?: string;
  kinds?: readonly RegistryChangeKind[];
  /** Replay what came after this change id first (the registry answers `resync` when it no longer can). */
  lastEventId?: number | undefined;
}

/**
 * The registry's HTTP API as one typed client: every endpoint a role or the
 * CLI calls, one URL builder (each path segment encoded), one error mapping.
 *
 * Failures are AgentmeshErrors: an answered call carries the registry's own
 * code (`AM_ERR_REGISTRY_AGENT_NOT_FOUND`, the 401's `AM_ERR_AUTH_…`), its
 * message, field violations and `details.status` (see `registryStatusOf`);
 * `retryable` on 5xx, 408 and 429. A registry that cannot be reached gives a
 * retryable `AM_ERR_HTTP_UPSTREAM_FAILED` (`AM_ERR_HTTP_TIMEOUT` past
 * `timeoutMs`) naming its base URL. Records come back as JSON, card
 * included (`recordFromJson` gives the SDK's card object).
 *
 * @example
 * const registry = createRegistryClient({ url: 'http://localhost:4100' });
 * const { agents } = await registry.listAgents({ skill: 'score-lead' });
 */
export class RegistryClient {
  /** The base URL, without a trailing slash (no credentials: it is logged). */
  readonly url: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number | undefined;
  readonly #hint: RegistryFailureHint | undefined;

  /** Refuses (`AM_ERR_CONFIG_INVALID`) a URL that is not absolute http(s). */
  constructor(options: RegistryClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw Errors.registryClientUrlInvalid({ given: String(JSON.stringify(options.url)) });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw Errors.registryClientUrlNotHttp({ protocol: parsed.protocol });
    this.url = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
    this.#headers = options.token !== undefined && options.token !== '' ? { authorization: `Bearer ${options.token}` } : {};
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = options.timeoutMs;
    this.#hint = options.hint;
  }

  listAgents(query: AgentListQuery = {}, options?: CallOptions): Promise<AgentListPage> {
    return this.#json('GET', agentsPath(), { query: { ...query }, ...options });
  }

  getAgent(name: string, options?: CallOptions): Promise<WireAgentRecord> {
    return this.#json('GET', agentsPath(name), { agent: name, ...options });
  }

  /** `POST /v1/agents`: registers from a card (or its URL); refuses a name taken. */
  register(body: RegistrationRequest, options?: CallOptions): Promise<WireAgentRecord> {
    return this.#json('POST', agentsPath(), { body, agent: body.name, ...options });
  }

  /**
   * `POST /v1/agents` with `protocol: 'acp'`: registers the agents of the ACP
   * server at `body.url` (or the one `body.name`d) as bridged agents, all or
   * none; refuses a name taken.
   */
  async registerAcp(body: AcpRegistrationRequest, options?: CallOptions): Promise<WireAgentRecord[]> {
    const answer = await this.#json<{ agents: WireAgentRecord[] }>('POST', agentsPath(), { body: { protocol: 'acp', ...body }, agent: body.name, ...options });
    return answer.agents;
  }

  /** `PUT /v1/agents/{name}`: registers or replaces the record (upsert). */
  putAgent(name: string, body: AgentUpsert, options?: CallOptions): Promise<WireAgentRecord> {
    return this.#json('PUT', agentsPath(name), { body, agent: name, ...options });
  }

  /**
   * {@link putAgent}, telling a change the registry holds for review apart
   * (202 Accepted: the record is still the approved one, and `heldFor` names
   * the review, from `Location`) from one that applied.
   */
  async upsertAgent(name: string, body: AgentUpsert, options?: CallOptions): Promise<AgentPut> {
    const { value: record, response } = await this.#answer<WireAgentRecord>('PUT', agentsPath(name), { body, agent: name, ...options });
    if (response.status !== 202) return { record };
    const location = /^\/v1\/reviews\/([^/?#]+)$/.exec(response.headers.get('location') ?? '');
    const heldFor = location !== null ? decodeURIComponent(location[1]!) : record.review?.id;
    return heldFor === undefined ? { record } : { record, heldFor };
  }

  async deregister(name: string, options?: CallOptions): Promise<void> {
    await this.#json('DELETE', agentsPath(name), { agent: name, ...options });
  }

  async instances(name: string, options?: CallOptions): Promise<AgentInstance[]> {
    const body = await this.#json<{ instances?: unknown }>('GET', agentsPath(name, 'instances'), { agent: name, ...options });
    if (!Array.isArray(body?.instances)) throw malformed(this.url, 'GET', agentsPath(name, 'instances'), 'no instances array');
    return body.instances as AgentInstance[];
  }

  /** Adds an instance (leased when `leaseTtlMs` is given). */
  async addInstance(name: string, body: InstanceRegistration, options?: CallOptions): Promise<AgentInstance> {
    const instance = await this.#json<Partial<AgentInstance> | undefined>('POST', agentsPath(name, 'instances'), { body, agent: name, ...options });
    if (typeof instance?.id !== 'string' || instance.id === '') throw malformed(this.url, 'POST', agentsPath(name, 'instances'), 'no instance id');
    return instance as AgentInstance;
  }

  /** Renews a lease; `undefined` when the registry no longer knows the instance (register again). */
  heartbeat(name: string, id: string, options?: CallOptions): Promise<AgentInstance | undefined> {
    return this.#json('PUT', agentsPath(name, 'instances', id, 'heartbeat'), { agent: name, absent: true, ...options });
  }

  /** Removes an instance; one already gone counts as removed. */
  async removeInstance(name: string, id: string, options?: CallOptions): Promise<void> {
    await this.#json('DELETE', agentsPath(name, 'instances', id), { agent: name, absent: true, ...options });
  }

  health(name: string, options?: CallOptions): Promise<AgentHealthReport> {
    return this.#json('GET', agentsPath(name, 'health'), { agent: name, ...options });
  }

  /** ARD search, best first. */
  search(body: SearchRequest, options?: CallOptions): Promise<SearchPage> {
    return this.#json('POST', '/search', { body, ...options });
  }

  activeConfig(name: string, options?: CallOptions): Promise<AgentConfigVersion> {
    return this.#json('GET', agentsPath(name, 'config'), { agent: name, ...options });
  }

  configVersion(name: string, version: number, options?: CallOptions): Promise<AgentConfigVersion> {
    return this.#json('GET', agentsPath(name, 'config', 'versions', String(version)), { agent: name, ...options });
  }

  async configVersions(name: string, options?: CallOptions): Promise<AgentConfigVersion[]> {
    return (await this.#json<{ versions: AgentConfigVersion[] }>('GET', agentsPath(name, 'config', 'versions'), { agent: name, ...options })).versions;
  }

  putConfig(name: string, config: Record<string, unknown>, comment?: string, options?: CallOptions): Promise<AgentConfigVersion> {
    return this.#json('PUT', agentsPath(name, 'config'), { body: { config, ...(comment !== undefined && { comment }) }, agent: name, ...options });
  }

  rollbackConfig(name: string, version: number, options?: CallOptions): Promise<AgentConfigVersion> {
    return this.#json('POST', agentsPath(name, 'config', 'rollback'), { body: { version }, agent: name, ...options });
  }

  /** `GET /v1/agents/{name}/ownership`: the verdict on the agent's ownership claim and what to publish to prove it. */
  ownership(name: string, options?: CallOptions): Promise<OwnershipReport> {
    return this.#json('GET', agentsPath(name, 'ownership'), { agent: name, ...options });
  }

  /** `POST /v1/agents/{name}/ownership/verify`: checks the claim now (after publishing a record) and answers the verdict. */
  verifyOwnership(name: string, options?: CallOptions): Promise<OwnershipReport> {
    return this.#json('POST', agentsPath(name, 'ownership', 'verify'), { agent: name, ...options });
  }

  /** `GET /v1/reviews`: held card changes, pending ones unless `query.state` says otherwise, oldest first. */
  async reviews(query: ReviewListQuery = {}, options?: CallOptions): Promise<CardReview[]> {
    return (await this.#json<{ reviews: CardReview[] }>('GET', '/v1/reviews', { query: { ...query }, ...options })).reviews;
  }

  /** `GET /v1/reviews/{id}`. */
  review(id: string, options?: CallOptions): Promise<CardReview> {
    return this.#json('GET', `/v1/reviews/${encodeURIComponent(id)}`, options ?? {});
  }

  /** `POST /v1/reviews/{id}/approve` (`registry:review`): the record takes the change, and the gateways route to it. */
  approveReview(id: string, decision: ReviewDecision = {}, options?: CallOptions): Promise<CardReview> {
    return this.#json('POST', `/v1/reviews/${encodeURIComponent(id)}/approve`, { body: decision, ...options });
  }

  /** `POST /v1/reviews/{id}/reject` (`registry:review`; `reason` required): the record keeps its approved card. */
  rejectReview(id: string, decision: ReviewDecision & { reason: string }, options?: CallOptions): Promise<CardReview> {
    return this.#json('POST', `/v1/reviews/${encodeURIComponent(id)}/reject`, { body: decision, ...options });
  }

  /**
   * Opens `GET /watch` (Server-Sent Events) and resolves to its body once the
   * registry answered 200. It starts with an `open` event and lives until
   * `signal` aborts or the registry ends it; `timeoutMs` covers the opening
   * only, as an open stream may stay quiet for hours.
   */
  async watch(query: WatchQuery = {}, options: CallOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const params = { ...(query.agent !== undefined && { agent: query.agent }), ...(query.kinds !== undefined && { kinds: query.kinds.join(',') }) };
    const headers = { accept: 'text/event-stream', ...(query.lastEventId !== undefined && { 'last-event-id': String(query.lastEventId) }) };
    const opening = new AbortController();
    const timer = this.#timeoutMs === undefined ? undefined : setTimeout(() => opening.abort(new DOMException(`no answer within ${this.#timeoutMs} ms`, 'TimeoutError')), this.#timeoutMs);
    timer?.unref();
    try {
      const response = await this.#send('GET', '/watch', { query: params, headers, signal: options.signal, deadline: opening.signal });
      if (response.status !== 200 || response.body === null) throw statusFailure(this.url, { method: 'GET', path: '/watch', status: response.status, agent: query.agent }, await response.text().catch(() => ''), this.#hint);
      return response.body;
    } finally {
      clearTimeout(timer);
    }
  }

  async #json<T>(method: string, path: string, call: { query?: Record<string, unknown>; body?: unknown; agent?: string | undefined; absent?: boolean; signal?: AbortSignal | undefined }): Promise<T> {
    return (await this.#answer<T>(method, path, call)).value;
  }

  /** A JSON call's value, with the response it came in (its status and headers read, its body consumed). */
  async #answer<T>(method: string, path: string, call: { query?: Record<string, unknown>; body?: unknown; agent?: string | undefined; absent?: boolean; signal?: AbortSignal | undefined }): Promise<{ value: T; response: Response }> {
    const deadline = this.#timeoutMs === undefined ? undefined : AbortSignal.timeout(this.#timeoutMs);
    const headers = { accept: 'application/json', ...(call.body !== undefined && { 'content-type': 'application/json' }) };
    const response = await this.#send(method, path, { query: call.query, body: call.body, headers, signal: call.signal, deadline });
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      if (call.signal?.aborted) throw err;
      throw networkFailure(this.url, method, path, err);
    }
    if (call.absent === true && response.status === 404) return { value: undefined as T, response };
    if (!response.ok) throw statusFailure(this.url, { method, path, status: response.status, agent: call.agent }, text, this.#hint);
    if (text === '') return { value: undefined as T, response };
    try {
      return { value: JSON.parse(text) as T, response };
    } catch (err) {
      throw malformed(this.url, method, path, `HTTP ${response.status} and a body that is not JSON`, err);
    }
  }

  async #send(method: string, path: string, call: { query?: Record<string, unknown> | undefined; body?: unknown; headers: Record<string, string>; signal?: AbortSignal | undefined; deadline?: AbortSignal | undefined }): Promise<Response> {
    const signals = [call.signal, call.deadline].filter((s): s is AbortSignal => s !== undefined);
    try {
      return await this.#fetch(`${this.url}${path}${queryString(call.query)}`, {
        method,
        headers: { ...call.headers, ...this.#headers },
        ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
        ...(signals.length > 0 && { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) }),
      });
    } catch (err) {
      // The caller's own abort is theirs to handle; our deadline is a failure to reach the registry.
      if (call.signal?.aborted) throw err;
      throw networkFailure(this.url, method, path, call.deadline?.aborted ? call.deadline.reason : err);
    }
  }
}

/**
 * A client of the registry at `options.url`.
 *
 * @example
 * const registry = createRegistryClient({ url: 'http://localhost:4100', token, timeoutMs: 5_000 });
 * const record = await registry.getAgent('lead-scorer');
 */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  return new RegistryClient(options);
}

/** `/v1/agents[/{name}[/…]]`, each segment encoded. */
function agentsPath(...segments: string[]): string {
  return ['/v1/agents', ...segments.map(encodeURIComponent)].join('/');
}

/** `?a=1&b=2` of the defined, non-empty values; empty when none. */
function queryString(query: Record<string, unknown> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const qs = params.toString();
  return qs === '' ? '' : `?${qs}`;
}
