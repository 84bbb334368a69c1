import { createOutboundPool, fetchThrough, traceparentInterceptor, type ClientTlsSource } from '../../http/index.js';
import type { Logger, Tracing } from '../../observability/index.js';
import type { AgentConfigs } from './agent-configs.js';
import { AgentRegistration } from './agent-registration.js';
import { ConfigFollower } from './config-follower.js';
import { createRegistryClient } from '../../contracts/registry-client/index.js';
import { pause } from '../../storage/index.js';

/** How long `start()` waits for the first registration round before serving anyway, ms. */
const STARTUP_WAIT_MS = 2_000;
/** Time one registry call may take, ms. */
const CALL_TIMEOUT_MS = 5_000;
/** Time `close()` gives the registry to drop this process's instances, ms. */
const RELEASE_TIMEOUT_MS = 2_000;
/** Longest wait between attempts to reopen a config watch, ms. */
const WATCH_MAX_RETRY_MS = 30_000;
/**
 * Names the registry accepts (its API paths are `/v1/agents/{name}`). The
 * runtime also allows capitals and `_`; such agents are served but cannot
 * be registered. Repeated here because roles never import each other.
 */
const REGISTRY_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** One hosted agent, as the registry should see it. */
export interface LinkedAgent {
  name: string;
  /** Card JSON as served, read at each (re-)registration (the URL in it changes once the port is known). */
  card: () => unknown;
  /** Card version, recorded on the instance. */
  version: string | undefined;
  /** Registry metadata from `defineAgent({ registry })`. */
  metadata: Readonly<Record<string, unknown>> | undefined;
  /** Base URL this process serves the agent at. */
  url: string;
  /** Tasks it runs at once. */
  capacity: number;
}

/** Options of {@link createRegistryLink}. Durations in ms. */
export interface RegistryLinkOptions {
  registryUrl: string;
  token?: string | undefined;
  leaseTtlMs: number;
  region?: string | undefined;
  agents: readonly LinkedAgent[];
  configs: AgentConfigs;
  tracing: Tracing;
  logger: Logger;
  /** Client certificate and CA of the registry calls (a registry that requires mutual TLS). */
  tls?: ClientTlsSource | undefined;
}

/** A runtime's tie to its registry. */
export interface RegistryLink {
  /**
   * Starts registering every agent and following its config, in the
   * background; resolves after the first round, or after a short bound
   * when the registry is slow or down (it keeps retrying behind).
   */
  start(): Promise<void>;
  /** Stops heartbeats and watches, and removes this process's instances (bounded). */
  close(): Promise<void>;
  /** The registry instance id of this process for `agent`, while it holds a lease. */
  instanceId(agent: string): string | undefined;
}

/**
 * Ties a runtime to its registry: one {@link AgentRegistration} (record,
 * lease, heartbeats) and one {@link ConfigFollower} (active config, watch)
 * per hosted agent.
 *
 * @example
 * const link = createRegistryLink({ registryUrl: 'http://registry:4100', leaseTtlMs: 30000, agents, configs, tracing, logger });
 * await link.start();
 * // …
 * await link.close();
 */
export function createRegistryLink(options: RegistryLinkOptions): RegistryLink {
  const logger = options.logger.child({ module: 'registration' });
  // The runtime's own pool, so that close() ends every socket it opened: on the
  // shared global pool, sockets opened for concurrent calls and never used stay
  // open until their keep-alive lapses, and hold a closing registry's drain.
  // These calls run in the background: one with no trace current starts its
  // own, so the registry's logs still tie one call's lines together.
  const pool = createOutboundPool({ tls: options.tls, interceptors: [traceparentInterceptor({ startTrace: true })] });
  const client = createRegistryClient({ url: options.registryUrl, token: options.token, timeoutMs: CALL_TIMEOUT_MS, fetch: fetchThrough(pool, { tracing: options.tracing }) });
  const registrations = new Map<string, AgentRegistration>();
  const followers: ConfigFollower[] = [];
  for (const agent of options.agents) {
    if (!REGISTRY_NAME.test(agent.name)) {
      logger.error({ agent: agent.name }, `agent ${agent.name} is not registered: registry names are 1-63 lowercase letters, digits or dashes; rename it to register it`);
      continue;
    }
    registrations.set(
      agent.name,
      new AgentRegistration({
        client,
        agent: agent.name,
        card: agent.card,
        metadata: agent.metadata,
        instance: { url: agent.url, region: options.region, version: agent.version, capacity: agent.capacity, leaseTtlMs: options.leaseTtlMs },
        logger,
      }),
    );
    followers.push(new ConfigFollower({ client, agent: agent.name, configs: options.configs, logger, maxRetryMs: WATCH_MAX_RETRY_MS }));
  }
  const stopWaiting = new AbortController();
  return {
    async start() {
      for (const r of registrations.values()) r.start();
      for (const f of followers) f.start();
      const firstRound = Promise.all([...[...registrations.values()].map((r) => r.firstAttempt), ...followers.map((f) => f.firstRead)]);
      await Promise.race([firstRound, pause(STARTUP_WAIT_MS, stopWaiting.signal)]);
      stopWaiting.abort();
    },
    async close() {
      stopWaiting.abort();
      await Promise.all([...[...registrations.values()].map((r) => r.stop(RELEASE_TIMEOUT_MS)), ...followers.map((f) => f.stop())]);
      // Nothing is in flight any more: end the connections to the registry.
      await pool.destroy();
    },
    instanceId: (agent) => registrations.get(agent)?.instanceId,
  };
}
