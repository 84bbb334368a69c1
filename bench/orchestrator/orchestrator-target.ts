/**
 * A child process of the orchestrator part: an agents runtime, the
 * orchestrator, a registry + gateway, or the maps' plain loop (see
 * `target-messages.ts`). The orchestrator gets a process of its own, as
 * every server under test in `bench/` does, so its CPU is its own on a
 * 2-core machine and the harness can read it (`cpu`); so does the loop it is
 * held against, so both start from the same state. Exits on `stop` or when
 * the harness goes away.
 */
import { createGateway } from '../../src/gateway/index.js';
import { createAgentCaller, createOrchestrator } from '../../src/compose/orchestrator-entry.js';
import { createRegistry } from '../../src/registry/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { RedisBus } from '../../src/storage/index.js';
import type { Client } from '@a2a-js/sdk/client';
import { benchAgents, CallCounter } from './bench-agents.js';
import { pooledCalls, sdkClient, streamCall } from './direct-calls.js';
import type { ChildMessage, FleetState, HarnessMessage, StartMessage } from './target-messages.js';

const counter = new CallCounter();
let close: (() => Promise<void>) | undefined;
/** The loop's clients, one per agent instance (the loop only). */
let loopClients: Client[] = [];

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Turns each agent's instance list into a round-robin pick, as the registry's instance directory does. */
function roundRobin(agentUrls: Record<string, string[]>): (agent: string) => string {
  const turns = new Map<string, number>();
  return (agent) => {
    const urls = agentUrls[agent];
    if (!urls || urls.length === 0) throw new Error(`the bench has no instance of ${agent}`);
    const turn = turns.get(agent) ?? 0;
    turns.set(agent, turn + 1);
    return urls[turn % urls.length]!;
  };
}

/** A fleet process's database and bus settings (none: its own SQLite and an in-process bus). */
async function fleetOf(fleet: FleetState | undefined) {
  if (fleet === undefined) return { config: {}, bus: {} };
  const bus = await RedisBus.connect({ url: fleet.redisUrl, stream: fleet.stream });
  // Replicas on one database seal push configs under one secret (docs/operations.md, AGENTMESH_SECRET).
  return { config: { databaseUrl: fleet.databaseUrl, redisUrl: fleet.redisUrl, storageSecret: 'bench-orchestrator-fleet-secret-0123456789abcdef' }, bus: { bus } };
}

async function start(message: StartMessage): Promise<Record<string, string>> {
  // Errors only: the startup warnings about generated keys are expected here and would drown the progress lines.
  const server = { port: 0, host: '127.0.0.1', dataDir: message.dataDir, logLevel: 'error' } as const;
  switch (message.kind) {
    case 'agents': {
      const fleet = await fleetOf(message.fleet);
      const runtime = await createRuntime({
        agents: benchAgents(counter),
        ...fleet.bus,
        config: { ...server, ...fleet.config, ...(message.registryUrl ? { registryUrl: message.registryUrl } : {}), ...(message.jwksUrl ? { gatewayJwksUrl: message.jwksUrl } : {}) },
      });
      const { agents } = await runtime.listen();
      close = () => runtime.close();
      return agents;
    }
    case 'orchestrator': {
      const { agentUrls, gateway } = message;
      const fleet = await fleetOf(message.fleet);
      const runtime = { ...server, ...fleet.config };
      const orchestrator = await createOrchestrator(
        gateway
          ? // The harness calls the orchestrator itself, not through the gateway: its runs act for the tenant named here.
            { config: { gatewayUrl: gateway.url, clientId: gateway.clientId, clientSecret: gateway.clientSecret, anonymousTenant: gateway.tenant, runtime }, ...fleet.bus }
          : { config: { runtime }, caller: createAgentCaller({ directUrl: roundRobin(agentUrls ?? {}) }), ...fleet.bus },
      );
      const { url } = await orchestrator.listen();
      close = () => orchestrator.close();
      return { orchestrator: url };
    }
    case 'loop': {
      loopClients = await Promise.all(message.agentUrls.map((url) => sdkClient(url)));
      return {};
    }
    case 'control': {
      const allow = { dev: true, allowHosts: ['127.0.0.1', 'localhost'] };
      const registry = await createRegistry({ config: { ...server, ...allow } });
      const { url: registryUrl } = await registry.listen();
      // Quotas stay on, far above the load: the bench measures their cost, not their refusals.
      const gateway = await createGateway({ config: { ...server, ...allow, registryUrl, adminToken: message.adminToken, tenantRequestsPerMinute: 10_000_000 } });
      const { url: gatewayUrl } = await gateway.listen();
      close = async () => {
        await gateway.close();
        await registry.close();
      };
      return { registry: registryUrl, gateway: gatewayUrl };
    }
  }
}

/** Sends the batches as the orchestrator's map does (the agent instances in turn, `concurrency` in flight), timed. */
async function loop(batches: number[][], concurrency: number): Promise<{ ms: number; cpuMicros: number }> {
  let turn = 0;
  const before = process.cpuUsage();
  const ms = await pooledCalls((i) => streamCall(loopClients[turn++ % loopClients.length]!, { items: batches[i]! }), batches.length, concurrency);
  const cpu = process.cpuUsage(before);
  return { ms, cpuMicros: cpu.user + cpu.system };
}

async function shutdown(): Promise<void> {
  try {
    await close?.();
  } finally {
    process.exit(0);
  }
}

process.on('message', (message: HarnessMessage) => {
  switch (message.type) {
    case 'start':
      start(message).then(
        (urls) => send({ type: 'ready', urls }),
        (err: unknown) => send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
      break;
    case 'counts':
      send({ type: 'counts', counts: counter.snapshot() });
      if (message.reset === true) counter.reset();
      break;
    case 'cpu': {
      const usage = process.cpuUsage();
      send({ type: 'cpu', micros: usage.user + usage.system });
      break;
    }
    case 'memory': {
      // The orchestrator child runs with --expose-gc (bench-process.ts): the heap after a collection is what the process keeps.
      if (message.collect === true) globalThis.gc?.();
      const usage = process.memoryUsage();
      send({ type: 'memory', rss: usage.rss, heap: usage.heapUsed });
      break;
    }
    case 'loop':
      void loop(message.batches, message.concurrency).then(
        (looped) => send({ type: 'looped', ...looped }),
        (err: unknown) => send({ type: 'loop-failed', message: err instanceof Error ? err.message : String(err) }),
      );
      break;
    case 'stop':
      void shutdown();
      break;
  }
});
// The harness died or was interrupted: do not linger with a port open.
process.on('disconnect', () => void shutdown());
