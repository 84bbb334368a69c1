import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import { tracedFetch, type Tracing } from '../../observability/index.js';
import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';

/** Options of {@link RegistryHttpClient}. */
export interface RegistryHttpClientOptions {
  /** Base URL of the registry, e.g. `http://registry:4100`. */
  url: string;
  /** Bearer token sent on every call (writes need `registry:write`). */
  token?: string | undefined;
  tracing: Tracing;
  /** Time one call may take (for the watch: until the stream opens), ms. */
  timeoutMs: number;
}

/** What the runtime sends with `PUT /v1/agents/{name}`. */
export interface AgentRegistrationBody {
  card: unknown;
  metadata?: Readonly<Record<string, unknown>> | undefined;
}

/** What the runtime sends with `POST /v1/agents/{name}/instances`. */
export interface InstanceBody {
  url: string;
  region?: string | undefined;
  version?: string | undefined;
  capacity?: number | undefined;
  leaseTtlMs: number;
}

/** An active config version, as far as the runtime reads it. */
export interface ActiveConfig {
  version: number;
  config: Record<string, unknown>;
}

interface RegistryErrorBody {
  error?: { message?: unknown; details?: Array<{ fieldViolations?: Array<{ field?: unknown; description?: unknown }> }> };
}

/**
 * The registry calls of a runtime: register, lease, heartbeat, release, read
 * the active config and open the watch stream. The registry URL is operator
 * configuration, so plain fetch (no SSRF guard), with a timeout on every
 * call and a W3C `traceparent` on every request.
 *
 * Failures are AgentmeshErrors `AM_ERR_HTTP_UPSTREAM_FAILED` whose
 * `retryable` says whether the same call may succeed later (network, 5xx,
 * 404, 408, 429) or needs someone to change something (other 4xx).
 */
export class RegistryHttpClient {
  readonly #base: string;
  readonly #o: RegistryHttpClientOptions;
  /**
   * Our own connection pool: `close()` ends every socket we opened. On the
   * shared global pool, sockets opened for concurrent calls and never used
   * stay open until their keep-alive lapses, and hold a closing registry's
   * drain for those seconds.
   */
  readonly #pool = new Agent();

  constructor(options: RegistryHttpClientOptions) {
    this.#base = options.url.replace(/\/+$/, '');
    this.#o = options;
  }

  /** Closes the connections to the registry; call once nothing is in flight. */
  async close(): Promise<void> {
    await this.#pool.destroy();
  }

  /** The registry's base URL (for log lines). */
  get url(): string {
    return this.#base;
  }

  /** Registers or replaces the agent's record (upsert). */
  async putAgent(name: string, body: AgentRegistrationBody, signal: AbortSignal): Promise<void> {
    await this.#json('PUT', `/v1/agents/${enc(name)}`, body, signal, [200, 201]);
  }

  /** Adds a leased instance; resolves to its id. */
  async addInstance(name: string, body: InstanceBody, signal: AbortSignal): Promise<{ id: string }> {
    const { body: instance } = await this.#json('POST', `/v1/agents/${enc(name)}/instances`, body, signal, [201]);
    const id = (instance as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || id === '') throw this.#failure('POST', `/v1/agents/${name}/instances`, 'answered 201 without an instance id', false);
    return { id };
  }

  /** Renews a lease; `undefined` when the registry no longer knows it (register again). */
  async heartbeat(name: string, id: string, signal: AbortSignal): Promise<{ leaseExpiresAt: string } | undefined> {
    const { status, body } = await this.#json('PUT', `/v1/agents/${enc(name)}/instances/${enc(id)}/heartbeat`, undefined, signal, [200, 404]);
    return status === 404 ? undefined : (body as { leaseExpiresAt: string });
  }

  /** Removes an instance; one that is already gone counts as removed. */
  async removeInstance(name: string, id: string, signal: AbortSignal): Promise<void> {
    await this.#json('DELETE', `/v1/agents/${enc(name)}/instances/${enc(id)}`, undefined, signal, [204, 404]);
  }

  /** The active config; `undefined` when the agent has none (or is not registered). */
  async activeConfig(name: string, signal: AbortSignal): Promise<ActiveConfig | undefined> {
    const { status, body } = await this.#json('GET', `/v1/agents/${enc(name)}/config`, undefined, signal, [200, 404]);
    if (status === 404) return undefined;
    const version = body as Partial<ActiveConfig> | undefined;
    if (typeof version?.version !== 'number' || typeof version.config !== 'object' || version.config === null) {
      throw this.#failure('GET', `/v1/agents/${name}/config`, 'answered with something that is not a config version', false);
    }
    return { version: version.version, config: version.config };
  }

  /**
   * Opens `GET /watch?agent=&kinds=` and resolves to the event stream once
   * the registry answered 200. The stream starts with an `open` event and
   * lives until `signal` aborts or the registry ends it.
   */
  async watch(query: { agent: string; kinds: readonly string[] }, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const path = `/watch?agent=${encodeURIComponent(query.agent)}&kinds=${query.kinds.map(encodeURIComponent).join(',')}`;
    // The timeout covers the opening only: an open stream may stay quiet for hours.
    const opening = new AbortController();
    const timer = setTimeout(() => opening.abort(new DOMException(`no answer within ${this.#o.timeoutMs} ms`, 'TimeoutError')), this.#o.timeoutMs);
    timer.unref();
    try {
      const response = await this.#fetch('GET', path, undefined, AbortSignal.any([signal, opening.signal]), { accept: 'text/event-stream' });
      if (response.status !== 200 || response.body === null) {
        throw await this.#statusFailure('GET', '/watch', response);
      }
      return response.body;
    } finally {
      clearTimeout(timer);
    }
  }

  async #json(method: string, path: string, body: unknown, signal: AbortSignal, accepted: readonly number[]): Promise<{ status: number; body: unknown }> {
    const response = await this.#fetch(method, path, body, AbortSignal.any([signal, AbortSignal.timeout(this.#o.timeoutMs)]), { accept: 'application/json' });
    if (!accepted.includes(response.status)) throw await this.#statusFailure(method, path, response);
    const text = await response.text().catch(() => '');
    if (text === '' || response.status === 404) return { status: response.status, body: undefined };
    try {
      return { status: response.status, body: JSON.parse(text) as unknown };
    } catch (err) {
      throw this.#failure(method, path, `answered ${response.status} with invalid JSON`, true, err);
    }
  }

  async #fetch(method: string, path: string, body: unknown, signal: AbortSignal, extra: Record<string, string>): Promise<Response> {
    const headers = new Headers(extra);
    if (body !== undefined) headers.set('content-type', 'application/json');
    if (this.#o.token !== undefined) headers.set('authorization', `Bearer ${this.#o.token}`);
    // With tracing off and no request in flight (these calls run in the
    // background), nothing would propagate: start a trace of our own so the
    // registry's logs still tie one call's lines together.
    if (!this.#o.tracing.enabled && this.#o.tracing.injectTraceparent({}).traceparent === undefined) headers.set('traceparent', freshTraceparent());
    try {
      const init = { method, headers, signal, dispatcher: this.#pool, ...(body !== undefined && { body: JSON.stringify(body) }) };
      // undici's Agent serves the fetch built into Node; only the two copies of its types differ.
      return await tracedFetch(this.#o.tracing, `${this.#base}${path}`, init as unknown as RequestInit);
    } catch (err) {
      if (signal.aborted && (signal.reason as { name?: string } | undefined)?.name !== 'TimeoutError') throw err;
      throw this.#failure(method, path, `is unreachable: ${networkReason(err)}`, true, err);
    }
  }

  async #statusFailure(method: string, path: string, response: Response): Promise<AgentmeshError> {
    const text = await response.text().catch(() => '');
    let message = `HTTP ${response.status}`;
    try {
      const parsed = JSON.parse(text) as RegistryErrorBody;
      if (typeof parsed.error?.message === 'string') message = `${message}: ${parsed.error.message}`;
      const violations = (parsed.error?.details ?? []).flatMap((d) => d.fieldViolations ?? []);
      if (violations.length > 0) message += ` (${violations.map((v) => `${String(v.field)} ${String(v.description)}`).join('; ')})`;
    } catch {
      // Not our JSON error body (a proxy's page): the status says enough.
    }
    // 404 too: an agent deregistered between our PUT and our POST is there again at the next try.
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429 || response.status === 404;
    return this.#failure(method, path, `answered ${message}`, retryable, undefined, response.status);
  }

  #failure(method: string, path: string, what: string, retryable: boolean, cause?: unknown, status?: number): AgentmeshError {
    return new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_FAILED, `registry ${this.#base} ${what} (${method} ${path.split('?')[0]})`, {
      retryable,
      cause,
      ...(status !== undefined && { details: { status: String(status) } }),
    });
  }
}

const enc = encodeURIComponent;

/** W3C Trace Context §3.2: version 00, random trace and parent ids, sampled. */
function freshTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** `fetch failed` hides the reason in `cause.code` (undici); surface it. */
function networkReason(err: unknown): string {
  if ((err as { name?: unknown } | undefined)?.name === 'TimeoutError') return 'timed out';
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return `${typeof cause.message === 'string' && cause.message !== '' ? cause.message : 'network error'} (${cause.code})`;
  return err instanceof Error ? err.message : String(err);
}
