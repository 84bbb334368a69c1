import { createOutboundPool, type ExchangeReply } from '../../http/index.js';
import { Errors, type ProtocolVersion } from '../../protocol/index.js';
import { CardCache, type CardSigner, type GatewayServedCard } from './card-cache.js';
import { loadBreakerInternals } from './breaker-internals.js';
import { rewriteCard, type GatewayExtension } from './gateway-card.js';
import { RegistryFollower } from './registry-follower.js';
import { RegistryReader } from './registry-reader.js';
import type { AgentInstance, AgentRecord } from './registry-types.js';
import { RouteCache } from './route-cache.js';
import { resolveRouterOptions, type UpstreamRouterOptions } from './router-options.js';
import { RoutingMetrics } from './routing-metrics.js';
import { UpstreamForwarder, type ForwardInput, type ForwardResult } from './upstream-forwarder.js';
import { Http1Upstream } from './upstream-http1.js';
import type { BreakerState } from './upstream-instance.js';

/** One agent as the router serves it. */
export interface AgentRoute {
  /** The registry's record: card (the SDK's object), metadata (skills' pricing and scopes, maxConcurrentTasks, rateLimit…), status. */
  record: AgentRecord;
  /** Every instance the registry lists, as it lists them (`inRotation` says which take traffic). */
  instances: AgentInstance[];
}

/** One instance as {@link UpstreamRouter.stats} shows it. */
export interface InstanceStats {
  agent: string;
  instance: string;
  url: string;
  inRotation: boolean;
  /** Requests in flight on it from this router, streams included. */
  outstanding: number;
  breaker: BreakerState;
  /** Consecutive failures the breaker counted. */
  failures: number;
  /** Requests this router sent it (each attempt, retries included). */
  requests: number;
}

/** The upstream side of the gateway: a live registry cache, balancing, breakers, forwarding, served cards. */
export interface UpstreamRouter {
  /**
   * Loads every agent record and its instances from the registry and
   * follows its watch stream (resumed with `Last-Event-ID`, reconnected
   * with backoff, reloaded on `resync`). Resolves once loaded, or after
   * `startTimeoutMs` with the load still retrying behind (see `ready()`).
   */
  start(): Promise<void>;
  /** True once the cache holds the registry's state: a readiness check. */
  ready(): boolean;
  /** The cached agent, or undefined. */
  agent(name: string): AgentRoute | undefined;
  /** Every cached agent (the console's list; never on a request's path). */
  agents(): AgentRoute[];
  /**
   * Forwards one request to a healthy instance of `agent` and streams the
   * answer to `reply` (status, headers minus hop-by-hop, body: SSE
   * unbuffered, with backpressure). Resolves when the client's response is
   * over. Throws, before anything was sent to the client, an AgentmeshError
   * for the gateway to render: `AM_ERR_GATEWAY_AGENT_NOT_FOUND` (404),
   * `AM_ERR_GATEWAY_NO_HEALTHY_INSTANCE` (503), `AM_ERR_HTTP_UPSTREAM_FAILED`
   * (502), `AM_ERR_HTTP_TIMEOUT` (503), `AM_ERR_HTTP_UNAVAILABLE` (503,
   * registry not loaded yet). An instance's own 4xx/5xx answer is relayed,
   * not thrown.
   */
  forward(input: ForwardInput, reply: ExchangeReply): Promise<ForwardResult>;
  /**
   * The agent's card as served through the gateway, in the shape of
   * `version` (1.0, or 0.3 when asked for, card-answer.ts): interface
   * URLs at `${gatewayBaseUrl}/agents/{name}`, the gateway's security
   * schemes (OAuth 2.0 client credentials, API key), the agent's own signed
   * card inside the `https://agentmesh.dev/extensions/original-card/v1`
   * extension, then signed by `sign` (given the card's JSON form). Kept per
   * version until the card, the signer or an hour changes. Throws
   * `AM_ERR_GATEWAY_AGENT_NOT_FOUND`, and `AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED`
   * for 0.3 when the card has no v0.3 interface.
   */
  card(agent: string, options: { gatewayBaseUrl: string; sign: CardSigner; version: ProtocolVersion; extensions?: readonly GatewayExtension[] }): Promise<GatewayServedCard>;
  /** Every known instance with this router's view of it. */
  stats(): InstanceStats[];
  /** Stops following the registry and closes every upstream connection. */
  close(): Promise<void>;
}

/**
 * Builds the upstream router (docs/gateway-routing.md): the routing cache kept live from
 * the registry's watch stream, least-outstanding balancing over the
 * instances in rotation, a circuit breaker per instance, retries only where
 * they cannot run a request twice, and pooled keep-alive connections
 * (undici) with connect and response timeouts.
 *
 * @example
 * const router = createUpstreamRouter({ registryUrl: 'http://localhost:4100', logger, metrics });
 * await router.start();
 * app.all('/agents/:name/*', async (request, reply) => {
 *   await router.forward({ agent: request.params.name, method: request.method, path: '/' + request.params['*'], headers: { 'x-agentmesh-assertion': assertion }, body: request.body, idempotent: false }, reply);
 *   return reply;
 * });
 */
export function createUpstreamRouter(options: UpstreamRouterOptions): UpstreamRouter {
  const o = resolveRouterOptions(options);
  const logger = o.logger.child({ module: 'routing' });
  const metrics = new RoutingMetrics(o.metrics);
  const cache = new RouteCache({
    breaker: { failures: o.breakerFailures, openMs: o.breakerOpenMs },
    onBreakerChange: (instance) => {
      const state = instance.breakerState();
      logger[state === 'open' ? 'warn' : 'info']({ agent: instance.agent, instance: instance.id, breaker: state, failures: instance.failures }, `instance breaker ${state}`);
      metrics.breakers(instance.agent, cache.get(instance.agent)?.instances);
    },
    onInstancesChange: (agent) => {
      const instances = cache.get(agent)?.instances;
      metrics.breakers(agent, instances);
      // Gone from the cache: its cached metric children go too (the routed agents bound them).
      if (instances === undefined) metrics.forget(agent);
    },
  });
  const reader = new RegistryReader({ url: o.registryUrl, token: o.registryToken, timeoutMs: o.registryTimeoutMs, watchIdleMs: o.watchIdleMs, tls: o.tls });
  const follower = new RegistryFollower({ reader, cache, metrics, logger, guard: o.guard, maxReconnectMs: o.maxReconnectMs, random: o.random });
  // One pool per origin inside: keep-alive connections, reused across agents an origin hosts.
  // Instances living in this process (`agentmesh up`) are reached in memory, the rest over the network.
  // No interceptor: this pool carries every relayed call, and the forwarder sets each call's headers itself.
  // No retry either, and none in undici: a request written into a kept-alive connection the instance closes
  // at that moment fails (undici fails the head of a connection's pipeline, and with its default pipelining
  // of one nothing is queued behind it); undici waits a turn of the event loop before reusing an idle
  // connection, so a close already received moves the request, unwritten, to a new one. Only the forwarder
  // tries again, and a SendMessage only when no byte of it can have been sent (attempt-failure.ts).
  const upstream = createOutboundPool({ connectTimeoutMs: o.connectTimeoutMs, headersTimeoutMs: o.requestTimeoutMs, bodyTimeoutMs: o.requestTimeoutMs, tls: o.tls, inProcess: o.inProcess });
  // Plain `http:` instances through Node's own HTTP parser on kept-alive sockets (ADR 0064): undici stays for TLS,
  // in-process instances, and for all of them on a Node whose parser binding is not as the client expects.
  const direct = o.upstreamClient === 'llhttp' ? Http1Upstream.create({ connectTimeoutMs: o.connectTimeoutMs, headersTimeoutMs: o.requestTimeoutMs, bodyTimeoutMs: o.requestTimeoutMs }) : undefined;
  if (typeof direct === 'string') logger.warn({ reason: direct }, "Node's HTTP parser binding is not as expected: plain http instances are relayed through undici");
  const breakerInternals = loadBreakerInternals();
  if (typeof breakerInternals === 'string') logger.warn({ reason: breakerInternals }, "cockatiel's breaker is not as expected: every relayed call goes through its execute");
  const forwarder = new UpstreamForwarder({ cache, dispatcher: upstream, direct: typeof direct === 'string' ? undefined : direct, inProcess: o.inProcess, metrics, logger, maxAttempts: o.maxAttempts, requestTimeoutMs: o.requestTimeoutMs, loaded: () => follower.loaded });
  const cards = new CardCache();

  return {
    async start() {
      follower.start();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => {
        // Referenced: a gateway that awaits start() before listening must not exit while it waits.
        timer = setTimeout(() => resolve(false), o.startTimeoutMs);
      });
      const loaded = await Promise.race([follower.firstLoad.then(() => true), late]);
      clearTimeout(timer);
      if (!loaded) logger.error({ registry: o.registryUrl, waitedMs: o.startTimeoutMs }, 'the registry could not be loaded yet; routing answers 503 until it is');
    },
    ready: () => follower.loaded,
    agent(name) {
      const cached = cache.get(name);
      return cached === undefined ? undefined : { record: cached.record, instances: cached.instances.map((i) => i.info) };
    },
    agents() {
      const out: AgentRoute[] = [];
      for (const cached of cache.all()) out.push({ record: cached.record, instances: cached.instances.map((i) => i.info) });
      return out;
    },
    forward: (input, reply) => forwarder.forward(input, reply),
    async card(agent, { gatewayBaseUrl, sign, version, extensions }) {
      const cached = cache.get(agent);
      if (cached === undefined) {
        cards.delete(agent);
        throw Errors.agentNotRegistered({ agent });
      }
      const unsigned = rewriteCard(cached.record, cached.instances.map((i) => i.info.url), gatewayBaseUrl, extensions);
      return cards.get(agent, unsigned, sign, { version });
    },
    stats() {
      const now = Date.now();
      const out: InstanceStats[] = [];
      for (const { instances } of cache.all()) {
        for (const i of instances) {
          out.push({ agent: i.agent, instance: i.id, url: i.info.url, inRotation: i.inRotation, outstanding: i.outstanding, breaker: i.breakerState(now), failures: i.failures, requests: i.requests });
        }
      }
      return out;
    },
    async close() {
      await follower.stop();
      await reader.close();
      // Drained by the gateway first; what is left (a stream the client still holds) is cut.
      await upstream.destroy();
      if (typeof direct === 'object') await direct.destroy();
    },
  };
}
