import { RetryLog, type Logger } from '../../observability/index.js';
import { Errors } from '../../protocol/index.js';
import type { AgentConfigs } from './agent-configs.js';
import { registryStatusOf, type AgentConfigVersion, type RegistryClient } from '../../contracts/registry-client/index.js';
import { pause } from '../../storage/index.js';
import { retryDelay } from './retry-pause.js';
import { forEachSseEvent, type EventSourceMessage } from './sse-events.js';

/** Options of {@link ConfigFollower}. Durations in ms. */
export interface ConfigFollowerOptions {
  client: RegistryClient;
  agent: string;
  configs: AgentConfigs;
  logger: Logger;
  /** Longest wait between reconnection attempts. */
  maxRetryMs: number;
  random?: () => number;
}

/**
 * Changes after which the active config is read again. Registration kinds
 * matter too: an agent deregistered and registered again behind our back
 * may come back without the configs it had.
 */
const KINDS = ['config_changed', 'registered', 'deregistered'] as const;
/**
 * A watch silent this long is dead (the registry sends a keep-alive comment
 * every 15 s by default); it is dropped and opened again, ms.
 */
const WATCH_IDLE_MS = 60_000;

/**
 * Keeps one agent's active config current (seed 002: agents read their
 * config and are told of changes). It opens the registry's watch stream
 * first and reads the config once the stream is open, so a change made in
 * between arrives as an event instead of being lost; every later event
 * reads the config again. A dropped stream reconnects with backoff and
 * reads the config again on reopening. It does not resume with
 * `Last-Event-ID`: that read already covers what the gap missed, and a
 * registry restarted on a fresh store numbers its changes from 1 again, so
 * resuming after our old id would hide its first changes.
 */
export class ConfigFollower {
  readonly #o: ConfigFollowerOptions;
  readonly #abort = new AbortController();
  readonly #log: Logger;
  #loop: Promise<void> | undefined;
  #settleFirst!: () => void;
  /** Resolves once the first read of the config ended, whatever its outcome. */
  readonly firstRead: Promise<void> = new Promise((resolve) => (this.#settleFirst = resolve));

  constructor(options: ConfigFollowerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ agent: options.agent, registry: options.client.url });
  }

  /** Starts following in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Closes the stream and stops reconnecting. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    this.#settleFirst();
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    const said = new RetryLog(this.#log);
    while (!signal.aborted) {
      try {
        const stream = await this.#o.client.watch({ agent: this.#o.agent, kinds: KINDS }, { signal });
        await forEachSseEvent(stream, async (event: EventSourceMessage) => {
          if (event.event === 'open') {
            await this.#refresh(signal);
            failures = 0;
            said.succeeded('following config changes from the registry again');
            this.#settleFirst();
            return;
          }
          if (event.event === 'resync' || (KINDS as readonly string[]).includes(event.event ?? '')) await this.#refresh(signal, versionIn(event));
        }, { idleMs: WATCH_IDLE_MS });
        // The registry ended the stream (it drains to restart): reconnect soon.
        this.#log.debug('registry watch stream ended; reconnecting');
      } catch (err) {
        this.#settleFirst();
        if (signal.aborted) break;
        failures += 1;
        said.failed(err, 'cannot follow config changes from the registry; retrying');
      }
      await pause(retryDelay(failures, this.#o.maxRetryMs, this.#o.random), signal);
    }
  }

  /** Reads the active config unless `announced` is the version already active. */
  async #refresh(signal: AbortSignal, announced?: number): Promise<void> {
    const { agent, configs } = this.#o;
    if (announced !== undefined && configs.version(agent) === announced) return;
    const active = await activeConfig(this.#o.client, agent, signal);
    if (signal.aborted) return;
    const before = configs.version(agent);
    configs.set(agent, active?.config, active?.version);
    if (before !== active?.version) this.#log.info({ version: active?.version, previousVersion: before }, active ? 'config version active' : 'no config active');
  }
}

/** The active config; undefined when the agent has none (or is not registered). */
async function activeConfig(client: RegistryClient, agent: string, signal: AbortSignal): Promise<AgentConfigVersion | undefined> {
  let version: AgentConfigVersion;
  try {
    version = await client.activeConfig(agent, { signal });
  } catch (err) {
    if (registryStatusOf(err) === 404) return undefined;
    throw err;
  }
  if (typeof version?.version !== 'number' || typeof version.config !== 'object' || version.config === null) {
    throw Errors.registryConfigNotAVersion({ registry: client.url, agent });
  }
  return version;
}

/** The config version a `config_changed` event announces (`detail.version`). */
function versionIn(event: EventSourceMessage): number | undefined {
  if (event.event !== 'config_changed') return undefined;
  try {
    const version = (JSON.parse(event.data) as { detail?: { version?: unknown } }).detail?.version;
    return typeof version === 'number' ? version : undefined;
  } catch {
    return undefined;
  }
}
