import type { Readable } from 'node:stream';
import { AgentCard } from '@a2a-js/sdk';
import { Agent, type Dispatcher } from 'undici';
import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';
import type { AgentInstance, AgentRecord } from './registry-types.js';

/** Options of {@link RegistryReader}. Durations in ms. */
export interface RegistryReaderOptions {
  /** Base URL, without a trailing slash. */
  url: string;
  token: string | undefined;
  /** Time one call may take (for the watch: until its headers arrive). */
  timeoutMs: number;
  /** Longest silence inside the watch stream before it counts as dead. */
  watchIdleMs: number;
}

/** One page of `GET /v1/agents`. */
export interface AgentPage {
  agents: AgentRecord[];
  nextPageToken: string | undefined;
}

/** The largest page the registry serves. */
const PAGE_SIZE = 100;

/**
 * The registry calls of the gateway's routing cache: list the agents page by
 * page, read one agent's instances, open the watch stream. Records arrive
 * as JSON with the card in its A2A JSON form; they leave here with the card
 * as the SDK's object, as the registry itself holds them.
 *
 * Failures are AgentmeshErrors `AM_ERR_HTTP_UPSTREAM_FAILED` (or
 * `AM_ERR_HTTP_TIMEOUT`) whose `retryable` says whether to try again.
 */
export class RegistryReader {
  readonly #o: RegistryReaderOptions;
  /**
   * Our own pool: `close()` ends every socket we opened, and the watch's long
   * body timeout does not apply to the short reads.
   */
  readonly #pool: Agent;
  readonly #headers: Record<string, string>;
  readonly #origin: string;
  readonly #basePath: string;

  constructor(options: RegistryReaderOptions) {
    this.#o = options;
    const base = new URL(options.url);
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#pool = new Agent({ headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, connect: { timeout: options.timeoutMs } });
    this.#headers = { accept: 'application/json', ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }) };
  }

  get url(): string {
    return this.#o.url;
  }

  /** One page of agent records, in name order. */
  async listPage(pageToken: string | undefined, signal: AbortSignal): Promise<AgentPage> {
    const query = new URLSearchParams({ pageSize: String(PAGE_SIZE), ...(pageToken !== undefined && { pageToken }) });
    const body = (await this.#json(`/v1/agents?${query.toString()}`, signal)) as { agents?: unknown[]; nextPageToken?: unknown } | undefined;
    if (body === undefined || !Array.isArray(body.agents)) throw this.#invalid('GET /v1/agents', 'no agents array');
    return {
      agents: body.agents.map((json) => recordFromJson(json)),
      nextPageToken: typeof body.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : undefined,
    };
  }

  /** The instances of one agent; undefined when the agent is gone. */
  async instances(agent: string, signal: AbortSignal): Promise<AgentInstance[] | undefined> {
    const body = (await this.#json(`/v1/agents/${encodeURIComponent(agent)}/instances`, signal)) as { instances?: unknown } | undefined;
    if (body === undefined) return undefined;
    if (!Array.isArray(body.instances)) throw this.#invalid(`GET /v1/agents/${agent}/instances`, 'no instances array');
    return body.instances as AgentInstance[];
  }

  /**
   * Opens `GET /watch` (every change of every agent). With `lastEventId` the
   * registry first replays what came after it (or says `resync`); without,
   * the stream starts with what happens next.
   */
  async openWatch(lastEventId: number | undefined, signal: AbortSignal): Promise<Readable> {
    const headers = { ...this.#headers, accept: 'text/event-stream', ...(lastEventId !== undefined && { 'last-event-id': String(lastEventId) }) };
    const response = await this.#request('/watch', headers, signal, this.#o.watchIdleMs);
    if (response.statusCode !== 200) {
      const text = await response.body.text().catch(() => '');
      throw this.#status('GET /watch', response.statusCode, text);
    }
    return response.body;
  }

  /** Closes every connection to the registry (the watch included). */
  async close(): Promise<void> {
    await this.#pool.destroy();
  }

  async #json(path: string, signal: AbortSignal): Promise<unknown> {
    const response = await this.#request(path, this.#headers, signal, this.#o.timeoutMs);
    const text = await response.body.text().catch((err: unknown) => {
      throw this.#network(`GET ${path}`, err);
    });
    if (response.statusCode === 404 && path.endsWith('/instances')) return undefined;
    if (response.statusCode !== 200) throw this.#status(`GET ${path.split('?')[0]}`, response.statusCode, text);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.#invalid(`GET ${path.split('?')[0]}`, 'invalid JSON');
    }
  }

  async #request(path: string, headers: Record<string, string>, signal: AbortSignal, bodyTimeout: number): Promise<Dispatcher.ResponseData> {
    try {
      return await this.#pool.request({ origin: this.#origin, path: `${this.#basePath}${path}`, method: 'GET', headers, signal, bodyTimeout });
    } catch (err) {
      if (signal.aborted) throw err;
      throw this.#network(`GET ${path.split('?')[0]}`, err);
    }
  }

  #network(what: string, err: unknown): AgentmeshError {
    const code = (err as { code?: unknown }).code;
    const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
    const reason = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
    return new AgentmeshError(timeout ? ErrorCodes.HTTP_TIMEOUT : ErrorCodes.HTTP_UPSTREAM_FAILED, `cannot reach the registry at ${this.#o.url} (${what}): ${reason}`, { retryable: true, cause: err });
  }

  #status(what: string, status: number, text: string): AgentmeshError {
    let message = text.slice(0, 200);
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === 'string') message = parsed.error.message;
    } catch {
      // not JSON: the text itself says what happened
    }
    const retryable = status >= 500 || status === 408 || status === 429;
    return new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_FAILED, `the registry at ${this.#o.url} answered ${what} with HTTP ${status}${message ? `: ${message}` : ''}`, { retryable });
  }

  #invalid(what: string, problem: string): AgentmeshError {
    return new AgentmeshError(ErrorCodes.HTTP_UPSTREAM_FAILED, `the registry at ${this.#o.url} answered ${what} with ${problem}; is it an agentmesh registry?`, { retryable: true });
  }
}

/** A record as the registry sends it (card as A2A JSON) to the record the cache holds (card as the SDK's object). */
export function recordFromJson(json: unknown): AgentRecord {
  const record = json as Omit<AgentRecord, 'card'> & { card: unknown };
  return { ...record, card: AgentCard.fromJSON(record.card) };
}
