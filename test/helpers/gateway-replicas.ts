import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfigInput } from '../../src/gateway/index.js';
import type { AgentDefinition } from '../../src/runtime/index.js';
import { fleetGatewayEnv, startChildGateway } from './child-gateway.js';
import { freePort } from './free-port.js';
import { ADMIN_TOKEN, createClient, fetchToken, startGateway, topUp } from './gateway-fixture.js';
import { closeInTurn } from './close-in-turn.js';
import { startRuntime } from './runtime-fixture.js';
import { until } from './until.js';
import { startRegistry } from './registry-fixture.js';
import { createTestSchema } from './services.js';

/**
 * The start of a two-replica gateway deployment: a new test schema, a registry, and replica A in this
 * process, on a port of its own and with its URL as the deployment's public URL, so tokens either
 * replica issues work on both and agents check assertions against A's JWKS. A starts first: it
 * migrates the schema and creates the signing key the other replica then loads (both seal it with
 * `secret`).
 */
async function startFirstReplica(secret: string, config: GatewayConfigInput) {
  const schema = await createTestSchema();
  const registry = await startRegistry({ probeIntervalMs: 200 });
  const [portA, portB] = [await freePort(), await freePort()];
  const publicUrl = `http://127.0.0.1:${portA}`;
  const a = await startGateway(registry.url, { port: portA, publicUrl, databaseUrl: schema.url, keyEncryptionSecret: secret, ...config });
  return { schema, registry, a, portB, publicUrl, jwksUrl: `${publicUrl}/.well-known/jwks.json` };
}

/** The deployment with its replica B: `close()` stops B, then A, runs `cleanUp`, stops the registry and drops the schema. */
function withSecondReplica<B extends { close: () => Promise<void> }>(first: Awaited<ReturnType<typeof startFirstReplica>>, b: B, cleanUp: () => void = () => {}) {
  const { schema, registry, a, publicUrl, jwksUrl } = first;
  const close = async (): Promise<void> => {
    await b.close();
    await a.close();
    cleanUp();
    await registry.close();
    await schema.drop();
  };
  return { schema, registry, a, b, publicUrl, jwksUrl, close };
}

/**
 * Two gateway replicas of one deployment, both in this process, over one test schema and in front of
 * one registry (see {@link startFirstReplica}); `config` is added to both.
 */
export async function startGatewayReplicas(secret: string, config: GatewayConfigInput = {}) {
  const first = await startFirstReplica(secret, config);
  const b = await startGateway(first.registry.url, { port: first.portB, publicUrl: first.publicUrl, databaseUrl: first.schema.url, keyEncryptionSecret: secret, ...config });
  return withSecondReplica(first, b);
}

/**
 * Two gateway replicas of one deployment on PostgreSQL and `redisUrl`: A in this process (with
 * `config`), B a real `agentmesh serve gateway` child (with `childEnv` added to the fleet's
 * environment) that a test can kill; its close is a no-op once it is gone. Closing removes B's data
 * directory too.
 */
export async function startGatewayAndChildReplica(fleet: { secret: string; redisUrl: string }, config: GatewayConfigInput = {}, childEnv: Record<string, string> = {}) {
  const first = await startFirstReplica(fleet.secret, { redisUrl: fleet.redisUrl, ...config });
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-b-'));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  const env = {
    HOST: '127.0.0.1',
    GATEWAY_PUBLIC_URL: first.publicUrl,
    ...fleetGatewayEnv({ databaseUrl: first.schema.url, redisUrl: fleet.redisUrl, secret: fleet.secret, adminToken: ADMIN_TOKEN, registryUrl: first.registry.url }),
    ...childEnv,
  };
  try {
    const b = await startChildGateway(env, first.portB, dataDir);
    /** B again, on its port and data directory (after a kill: it replays its answer journal before it listens); the caller closes it. */
    const restartB = () => startChildGateway(env, first.portB, dataDir);
    return { ...withSecondReplica(first, b, removeDataDir), restartB };
  } catch (err) {
    await withSecondReplica(first, { close: async () => {} }, removeDataDir).close();
    throw err;
  }
}

/** What {@link startChildReplicaFleet} starts beside the two replicas. */
export interface FleetScene {
  fleet: { secret: string; redisUrl: string };
  /** Added to replica A's config and to replica B's environment. */
  config?: GatewayConfigInput;
  childEnv?: Record<string, string>;
  /** Served by one runtime that accepts only the gateway's assertions. */
  agents: AgentDefinition[];
  /** The client calls go out as (scopes to send and read tasks), and the credits its tenant is topped up with. */
  caller: { name: string; tenant: string; credits: number };
}

/**
 * Both replicas re-read their approval rules only every ten minutes: a change one replica sees within
 * a test's bound came over the bus from the other.
 */
export const SWEEPS_TEN_MINUTES_APART = {
  config: { approvals: { rules: [], sweepIntervalMs: 600_000 } },
  childEnv: { GATEWAY_APPROVALS_SWEEP_INTERVAL_MS: '600000' },
} satisfies Pick<FleetScene, 'config' | 'childEnv'>;

/**
 * {@link startGatewayAndChildReplica} with `agents` behind it, both replicas routing to them, and the
 * caller's token: the start of the fleet tests of approvals and policies. `close()` stops the runtime,
 * then the replicas.
 */
export async function startChildReplicaFleet(scene: FleetScene) {
  const replicas = await startGatewayAndChildReplica(scene.fleet, scene.config, scene.childEnv);
  let host: Awaited<ReturnType<typeof startRuntime>> | undefined;
  const close = () => closeInTurn(host, replicas);
  try {
    const { a, b } = replicas;
    host = await startRuntime(scene.agents, { registryUrl: replicas.registry.url, gatewayJwksUrl: replicas.jwksUrl, requireGatewayAssertion: true });
    const { name, tenant, credits } = scene.caller;
    const token = await fetchToken(a.url, await createClient(a.url, { name, tenant, scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    await topUp(a.url, tenant, credits);
    for (const agent of scene.agents) await until(`B to route to ${agent.name}`, async () => (await fetch(`${b.url}/agents/${agent.name}/.well-known/agent-card.json`)).status === 200);
    return { replicas, host, token, close };
  } catch (err) {
    await close();
    throw err;
  }
}
