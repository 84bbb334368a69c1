import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../../observability/index.js';
import { deepFreeze, Errors } from '../../protocol/index.js';

/** An agent's config changed: what skills now see as `ctx.config`. */
export interface AgentConfigChange {
  agent: string;
  /** The new active config (frozen); `{}` when the agent has none any more. */
  config: Readonly<Record<string, unknown>>;
  /** Its registry version; `undefined` when there is none. */
  version: number | undefined;
  /** The version it replaced; `undefined` when there was none. */
  previousVersion: number | undefined;
}

/** Called after an agent's active config changed. */
export type ConfigChangeListener = (change: AgentConfigChange) => void;

interface Entry {
  config: Readonly<Record<string, unknown>>;
  version: number | undefined;
  listeners: Set<ConfigChangeListener>;
}

const NONE: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The active config of each hosted agent, and who wants to hear of changes.
 * It exists with or without a registry (then every config stays `{}`), so
 * skills and hosts use one API either way.
 */
export class AgentConfigs {
  readonly #entries = new Map<string, Entry>();
  readonly #log: Logger;

  constructor(options: { agents: readonly string[]; logger: Logger }) {
    for (const agent of options.agents) this.#entries.set(agent, { config: NONE, version: undefined, listeners: new Set() });
    this.#log = options.logger;
  }

  /** The active config of `agent`: frozen, `{}` when none. */
  get(agent: string): Readonly<Record<string, unknown>> {
    return this.#entries.get(agent)?.config ?? NONE;
  }

  /** The registry version of the active config, if any. */
  version(agent: string): number | undefined {
    return this.#entries.get(agent)?.version;
  }

  /**
   * Calls `listener` after each change of `agent`'s config; returns the
   * function that stops it.
   *
   * @throws AgentmeshError `AM_ERR_CONFIG_INVALID` when the runtime hosts no agent of that name (a typo would otherwise never fire).
   */
  subscribe(agent: string, listener: ConfigChangeListener): () => void {
    const entry = this.#entry(agent);
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
    };
  }

  /**
   * Makes `config` (version `version`) the active one. Nothing happens when
   * the same version with the same content is already active: a
   * reconnecting watch re-reads the config and must not announce it twice.
   * (Content counts too: a registry restarted on a fresh store numbers its
   * versions from 1 again.)
   */
  set(agent: string, config: Record<string, unknown> | undefined, version: number | undefined): void {
    const entry = this.#entry(agent);
    if (entry.version === version && isDeepStrictEqual(entry.config, config ?? NONE)) return;
    const change: AgentConfigChange = { agent, config: config === undefined ? NONE : deepFreeze(structuredClone(config)), version, previousVersion: entry.version };
    entry.config = change.config;
    entry.version = version;
    for (const listener of [...entry.listeners]) {
      try {
        listener(change);
      } catch (err) {
        // A host's listener must not stop the others, nor the watch that called us.
        this.#log.warn({ err, agent }, 'a config change listener threw');
      }
    }
  }

  #entry(agent: string): Entry {
    const entry = this.#entries.get(agent);
    if (!entry) throw Errors.runtimeHostsNoSuchAgent({ quotedName: JSON.stringify(agent), hosted: [...this.#entries.keys()].join(', ') });
    return entry;
  }
}
