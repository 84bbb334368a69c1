import { createOutboundPool, fetchThrough, type ClientTlsSource, type OutboundPool } from '../../http/index.js';
import { createRegistryClient, recordFromJsonLazily, registryStatusOf, type RegistryClient } from '../../contracts/registry-client/index.js';
import { Errors } from '../../protocol/index.js';
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
  /** Client certificate and CA of the registry connections (a registry that requires mutual TLS). */
  tls?: ClientTlsSource | undefined;
}

/** One page of `GET /v1/agents?include=instances`. */
export interface AgentPage {
  agents: AgentRecord[];
  nextPageToken: string | undefined;
  /** Each listed agent's instances; an agent missing here (a registry without `include`) is read on its own. */
  instances: ReadonlyMap<string, AgentInstance[]>;
}

/** The largest page the registry serves: 100 requests load 100,000 agents. */
const PAGE_SIZE = 1000;

/**
 * The registry calls of the gateway's routing cache, through the registry
 * client: list the agents page by page, read one agent's instances, open
 * the watch stream. Records leave here with the card as the SDK's object,
 * as the registry itself holds them.
 *
 * Failures are the registry client's AgentmeshErrors, whose `retryable`
 * says whether to try again.
 */
export class RegistryReader {
  readonly #reads: RegistryClient;
  readonly #watch: RegistryClient;
  /**
   * Our own pools: `close()` ends every socket we opened. The watch has one
   * of its own, whose body timeout is the stream's longest silence. Both on
   * undici's isolated copy: Node's `fetch` hands undici options and handlers
   * of other shapes than the relay's `dispatch`, and through the shared copy
   * each registry change deoptimized the relay's compiled code (undici's
   * `Request`, `Agent`, and the forward step and relay they are inlined in).
   */
  readonly #pools: OutboundPool[];

  constructor(options: RegistryReaderOptions) {
    const { timeoutMs } = options;
    const readPool = createOutboundPool({ connectTimeoutMs: timeoutMs, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs, tls: options.tls, isolated: true });
    const watchPool = createOutboundPool({ connectTimeoutMs: timeoutMs, headersTimeoutMs: timeoutMs, bodyTimeoutMs: options.watchIdleMs, tls: options.tls, isolated: true });
    this.#pools = [readPool, watchPool];
    this.#reads = createRegistryClient({ url: options.url, token: options.token, timeoutMs, fetch: fetchThrough(readPool) });
    this.#watch = createRegistryClient({ url: options.url, token: options.token, timeoutMs, fetch: fetchThrough(watchPool) });
  }

  get url(): string {
    return this.#reads.url;
  }

  /** One page of agent records, in name order, with their instances. */
  async listPage(pageToken: string | undefined, signal: AbortSignal): Promise<AgentPage> {
    const page = await this.#reads.listAgents({ pageSize: PAGE_SIZE, pageToken, include: 'instances' }, { signal });
    if (!Array.isArray(page?.agents)) {
      throw Errors.registryDirectoryWithoutAgents({ registry: this.url });
    }
    const instances = new Map<string, AgentInstance[]>();
    const listed = page.instances;
    if (typeof listed === 'object' && listed !== null) {
      for (const [agent, list] of Object.entries(listed)) if (Array.isArray(list)) instances.set(agent, list);
    }
    return {
      // Cards convert when a call first reads them: a load of the whole registry routes by name and instances.
      agents: page.agents.map((json) => recordFromJsonLazily(json)),
      nextPageToken: typeof page.nextPageToken === 'string' && page.nextPageToken !== '' ? page.nextPageToken : undefined,
      instances,
    };
  }

  /** The instances of one agent; undefined when the agent is gone. */
  async instances(agent: string, signal: AbortSignal): Promise<AgentInstance[] | undefined> {
    try {
      return await this.#reads.instances(agent, { signal });
    } catch (err) {
      if (registryStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Opens `GET /watch` (every change of every agent). With `lastEventId` the
   * registry first replays what came after it (or says `resync`); without,
   * the stream starts with what happens next.
   */
  openWatch(lastEventId: number | undefined, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    return this.#watch.watch({ lastEventId }, { signal });
  }

  /** Closes every connection to the registry (the watch included). */
  async close(): Promise<void> {
    await Promise.all(this.#pools.map((pool) => pool.destroy()));
  }
}
