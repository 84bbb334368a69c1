import { setMaxListeners } from 'node:events';
import { AddressVerdicts, type SsrfGuard } from '../../http/index.js';
import { RetryLog, type Logger } from '../../observability/index.js';
import { recordFromJsonLazily, type WireAgentRecord } from '../../contracts/registry-client/index.js';
import type { RegistryReader } from './registry-reader.js';
import type { AgentInstance, AgentRecord } from './registry-types.js';
import { pause } from '../../storage/index.js';
import { reconnectDelay } from './retry-pause.js';
import type { RouteCache } from './route-cache.js';
import type { RoutingMetrics } from './routing-metrics.js';
import { forEachSseEvent, type EventSourceMessage } from './sse-reader.js';

/** Options of {@link RegistryFollower}. Durations in ms. */
export interface RegistryFollowerOptions {
  reader: RegistryReader;
  cache: RouteCache;
  metrics: RoutingMetrics;
  logger: Logger;
  guard: SsrfGuard | undefined;
  maxReconnectMs: number;
  random: () => number;
}

/** Instances read at once during a full load, for agents a page lists without them. */
const LOAD_CONCURRENCY = 8;

/** `instance_changed` events after which the instance takes no traffic. */
const LEAVING = new Set(['removed', 'lease_expired', 'forgotten', 'down']);

/** Agents a reload names in its log line when so few entered or left the cache (else only the counts). */
const NAMED_CHANGES = 20;

/** Change kinds that carry the agent's record after the change. */
const RECORD_KINDS = new Set(['registered', 'updated', 'health_changed', 'config_changed']);

/**
 * Keeps the route cache equal to the registry: a live cache, never a call
 * per request (docs/gateway-routing.md#where-instances-come-from-a-live-registry-cache).
 *
 * It opens `GET /watch` first and loads everything (every record with its
 * instances, a thousand agents a page) once the stream is open, so a change
 * made during the load arrives as an event after it instead of being lost;
 * a record older than the one held is ignored. Then each change is applied:
 * records from the event itself, instances read again (coalesced per agent).
 *
 * A stream that breaks (a reset, a silent peer) is opened again with
 * `Last-Event-ID`, and the registry replays what was missed (or answers
 * `resync` when its log no longer reaches back that far: full reload).
 * A stream the registry ended (it does so when it shuts down), or a
 * registry that could not be reached at all, may mean a new registry
 * process on a fresh store that numbers its changes from 1 again:
 * resuming after our old id would hide its first changes, so the stream is
 * then opened without an id and everything loaded again. (A registry that
 * crashes and comes back on a fresh store within the first reconnection
 * delay would go unnoticed; the registry's `open` event does not say where
 * its log starts.)
 */
export class RegistryFollower {
  readonly #o: RegistryFollowerOptions;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #lastEventId: number | undefined;
  #loaded = false;
  #markLoaded!: () => void;
  /** Resolves when the cache first holds the registry's state. */
  readonly firstLoad: Promise<void> = new Promise((resolve) => (this.#markLoaded = resolve));
  /** Instance reads in flight per agent; `again` asks for one more when it ends. */
  readonly #refreshing = new Map<string, { again: boolean }>();
  /** Sequence of instance reads, so an older read that answers last does not win. */
  #readSeq = 0;
  readonly #appliedSeq = new Map<string, number>();
  /** The guard's verdicts per origin: one DNS lookup per host, not per instance URL. */
  readonly #verdicts: AddressVerdicts | undefined;

  constructor(options: RegistryFollowerOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#verdicts = options.guard === undefined ? undefined : new AddressVerdicts(options.guard);
    // Every read in flight (one per agent after a burst of registrations) listens on this one signal.
    setMaxListeners(0, this.#abort.signal);
  }

  /** True once the cache holds the registry's state (it may lag while the registry is away). */
  get loaded(): boolean {
    return this.#loaded;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    const said = new RetryLog(this.#log);
    let reload = true;
    let first = true;
    while (!signal.aborted) {
      let opened = false;
      try {
        if (!first) this.#o.metrics.reconnect();
        first = false;
        const body = await this.#o.reader.openWatch(reload ? undefined : this.#lastEventId, signal);
        await forEachSseEvent(body, async (event) => {
          if (event.event === 'open') {
            opened = true;
            if (reload) {
              this.#lastEventId = sinceOf(event) ?? this.#lastEventId;
              await this.#reload(signal);
              reload = false;
            }
            failures = 0;
            said.succeeded('following the registry again', { registry: this.#o.reader.url });
            return;
          }
          const id = event.id === undefined ? undefined : Number(event.id);
          if (event.event === 'resync') {
            this.#log.info({ lastEventId: this.#lastEventId }, 'the registry no longer holds the changes since our last one; reloading');
            await this.#reload(signal);
          } else {
            this.#apply(event);
          }
          if (id !== undefined && Number.isSafeInteger(id)) this.#lastEventId = id;
        });
        // The registry ends its streams when it shuts down; what answers next may be a
        // new process on a fresh store, whose change ids mean nothing to us.
        reload = true;
        this.#log.debug('registry watch stream ended; reconnecting');
      } catch (err) {
        if (signal.aborted) break;
        failures += 1;
        if (!opened) reload = true;
        said.failed(err, 'cannot follow the registry; retrying', { registry: this.#o.reader.url });
      }
      await pause(reconnectDelay(failures, this.#o.maxReconnectMs, this.#o.random), signal);
    }
  }

  /**
   * Reads every record with its instances, pages of a thousand agents with
   * their instances in each (`include=instances`), then drops what the
   * registry no longer has. An agent a page lists without instances (a
   * registry that predates `include`) has them read on its own.
   */
  async #reload(signal: AbortSignal): Promise<void> {
    this.#o.metrics.reload();
    const records: AgentRecord[] = [];
    const lists = new Map<string, { seq: number; list: AgentInstance[] | undefined }>();
    // The next page is asked for as soon as a page's token is known, so the
    // registry builds it while this one is taken in (the wait for pages was
    // the larger part of a start against 100,000 agents).
    let page = await this.#o.reader.listPage(undefined, signal);
    for (;;) {
      const pending = page.nextPageToken === undefined ? undefined : this.#o.reader.listPage(page.nextPageToken, signal);
      // A failure of the next page is seen when it is awaited, not as an unhandled rejection meanwhile.
      pending?.catch(() => {});
      const seq = ++this.#readSeq;
      for (const record of page.agents) {
        records.push(record);
        const list = page.instances.get(record.name);
        if (list !== undefined) lists.set(record.name, { seq, list });
      }
      if (pending === undefined) break;
      page = await pending;
    }
    const unlisted = records.filter((r) => !lists.has(r.name));
    let next = 0;
    const worker = async () => {
      while (next < unlisted.length) {
        const name = unlisted[next++]!.name;
        const seq = ++this.#readSeq;
        lists.set(name, { seq, list: await this.#o.reader.instances(name, signal) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, unlisted.length) }, worker));
    const { cache } = this.#o;
    const entered: string[] = [];
    for (const record of records) {
      if (cache.putRecord(record, { authoritative: true })) entered.push(record.name);
      const read = lists.get(record.name);
      if (read?.list !== undefined) await this.#putInstances(record.name, read.seq, read.list);
    }
    const names = new Set(records.map((r) => r.name));
    const left = cache.names().filter((name) => !names.has(name));
    cache.retainOnly(names);
    for (const agent of [...this.#appliedSeq.keys()]) if (!names.has(agent)) this.#appliedSeq.delete(agent);
    this.#o.metrics.agents(cache.size);
    // The names too when they are few (a reload after a gap, a small mesh): which agents a
    // gateway routes, and since when, without a line per agent of a large registry.
    this.#log.info(
      { agents: records.length, entered: entered.length, left: left.length, ...(entered.length + left.length <= NAMED_CHANGES && { enteredAgents: entered, leftAgents: left }) },
      'routing cache loaded from the registry',
    );
    if (!this.#loaded) {
      this.#loaded = true;
      this.#markLoaded();
    }
  }

  #apply(event: EventSourceMessage): void {
    const kind = event.event;
    let change: { agent?: unknown; record?: unknown };
    try {
      change = JSON.parse(event.data) as { agent?: unknown; record?: unknown };
    } catch {
      this.#log.warn({ kind }, 'the registry sent a change that is not JSON; ignored');
      return;
    }
    const agent = typeof change.agent === 'string' ? change.agent : undefined;
    if (agent === undefined) return;
    const { cache } = this.#o;
    if (kind === 'deregistered') {
      if (cache.get(agent) !== undefined) this.#log.info({ agent, change: event.id }, 'agent left the routing cache');
      cache.remove(agent);
      this.#appliedSeq.delete(agent);
    } else if (kind !== undefined && RECORD_KINDS.has(kind) && change.record !== undefined && change.record !== null) {
      const isNew = cache.putRecord(recordFromJsonLazily(change.record as WireAgentRecord));
      // Rare (an agent's first registration, not its heartbeats), and what an operator asks first when
      // a gateway answers 404 for an agent the registry lists: since when this gateway routes it.
      if (isNew) this.#log.info({ agent, kind, change: event.id }, 'agent entered the routing cache');
      if (isNew || kind === 'registered') this.#refresh(agent);
    } else if (kind === 'instance_changed' && cache.get(agent) !== undefined) {
      // An instance that left (or probes down) stops taking traffic now, not one registry read later.
      const detail = (change as { detail?: { instance?: unknown; event?: unknown } }).detail;
      if (typeof detail?.instance === 'string' && typeof detail.event === 'string' && LEAVING.has(detail.event)) cache.takeOutOfRotation(agent, detail.instance);
      this.#refresh(agent);
    }
    this.#o.metrics.agents(cache.size);
  }

  /** Reads an agent's instances again; calls made while a read runs fold into one more read after it. */
  #refresh(agent: string): void {
    const running = this.#refreshing.get(agent);
    if (running !== undefined) {
      running.again = true;
      return;
    }
    const state = { again: true };
    this.#refreshing.set(agent, state);
    const signal = this.#abort.signal;
    void (async () => {
      let failures = 0;
      try {
        while (state.again && !signal.aborted) {
          state.again = false;
          const seq = ++this.#readSeq;
          try {
            const list = await this.#o.reader.instances(agent, signal);
            // Gone at the registry: the `deregistered` change removes it.
            if (list !== undefined) await this.#putInstances(agent, seq, list);
            failures = 0;
          } catch (err) {
            if (signal.aborted) return;
            failures += 1;
            state.again = true;
            this.#log.warn({ err, agent, failures }, 'cannot read the instances of an agent; retrying');
            await pause(reconnectDelay(failures, this.#o.maxReconnectMs, this.#o.random), signal);
          }
        }
      } finally {
        this.#refreshing.delete(agent);
      }
    })();
  }

  async #putInstances(agent: string, seq: number, list: AgentInstance[]): Promise<void> {
    const verdicts = this.#verdicts;
    const admitted = verdicts === undefined ? list : await Promise.all(list.map((instance) => this.#admit(verdicts, instance)));
    if ((this.#appliedSeq.get(agent) ?? 0) > seq) return;
    this.#appliedSeq.set(agent, seq);
    this.#o.cache.putInstances(agent, admitted);
  }

  /**
   * An instance whose URL the SSRF guard refuses stays listed but out of
   * rotation; so does one whose host does not resolve yet (asked again at the
   * agent's next change).
   */
  async #admit(verdicts: AddressVerdicts, instance: AgentInstance): Promise<AgentInstance> {
    const { refusal, unresolved } = await verdicts.judge(instance.url);
    if (refusal === undefined && unresolved === undefined) return instance;
    this.#log.warn({ err: refusal ?? unresolved, agent: instance.agent, instance: instance.id }, 'instance URL refused by the SSRF guard; kept out of rotation');
    return { ...instance, inRotation: false };
  }
}

/** The `since` of the stream's `open` event: the last change before the stream started. */
function sinceOf(event: EventSourceMessage): number | undefined {
  try {
    const since = (JSON.parse(event.data) as { since?: unknown }).since;
    return typeof since === 'number' && Number.isSafeInteger(since) ? since : undefined;
  } catch {
    return undefined;
  }
}
