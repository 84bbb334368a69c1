import type { AgentDefinition, RuntimeConfigInput } from '../../src/runtime/index.js';
import type { AuditRow } from '../../src/audit/index.js';
import type { GatewayConfigInput, GatewayOptions } from '../../src/gateway/index.js';
import { createClient, fetchToken, startGateway, topUp } from './gateway-fixture.js';
import { startOrchestrator } from './orchestrator-fixture.js';
import { startRegistry } from './registry-fixture.js';
import { startRuntime, testAgent } from './runtime-fixture.js';
import { until } from './until.js';
import { closeInTurn } from './close-in-turn.js';

/** What {@link startGatewayMesh} starts: the runtime's agents, the gateway's settings and in-process servers, the runtime's settings. */
export interface GatewayMeshOptions {
  agents?: AgentDefinition[];
  gateway?: GatewayConfigInput;
  gatewayOptions?: Omit<GatewayOptions, 'config'>;
  runtime?: RuntimeConfigInput;
}

/**
 * A registry, a gateway and a runtime whose agents accept only the gateway's
 * assertions, with the gateway routing to every agent: the smallest mesh a
 * gateway test drives. `gatewayOptions` passes the gateway a logger, metrics or
 * in-process servers. `close()` stops all three.
 */
export async function startGatewayMesh(options: GatewayMeshOptions = {}) {
  const agents = options.agents ?? [testAgent];
  const registry = await startRegistry({ probeIntervalMs: 200 });
  const gw = await startGateway(registry.url, options.gateway, options.gatewayOptions);
  const host = await startRuntime(agents, { registryUrl: registry.url, gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true, ...options.runtime });
  for (const agent of agents) {
    const name = agent.card.name;
    await until(`the gateway to route to ${name}`, async () => gw.gateway.router.agent(name)?.instances.some((i) => i.inRotation) ?? false);
  }
  return {
    registry,
    gw,
    host,
    close: () => closeInTurn(host, gw, registry),
  };
}

/** What {@link startGatewayMesh} started. */
export type GatewayMesh = Awaited<ReturnType<typeof startGatewayMesh>>;

/** The one caller {@link startGatewayMeshFor} sets up: a client `name` of `tenant` (default acme) holding `scopes`, and its tenant's credits. */
export interface MeshCaller {
  name: string;
  tenant?: string;
  scopes: string[];
  /** Credits the tenant is topped up with; none when absent. */
  credits?: number;
}

/**
 * A gateway mesh (see {@link startGatewayMesh}) with its caller set up: the
 * client created, its token fetched (as `token`) and its tenant topped up
 * when `caller.credits` says so: how most gateway suites begin.
 */
export async function startGatewayMeshFor(caller: MeshCaller, options: GatewayMeshOptions = {}): Promise<GatewayMesh & { token: string }> {
  const mesh = await startGatewayMesh(options);
  const tenant = caller.tenant ?? 'acme';
  const token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: caller.name, tenant, scopes: caller.scopes }));
  if (caller.credits !== undefined) await topUp(mesh.gw.url, tenant, caller.credits);
  return { ...mesh, token };
}

/** The mesh gateway's a2a.call rows of `tenant` for `agent` and `method`, newest first (the audit flushed first). */
export async function callRows(mesh: GatewayMesh, tenant: string, agent: string, method: string): Promise<AuditRow[]> {
  await mesh.gw.gateway.audit.flush();
  return (await mesh.gw.gateway.audit.tail({ limit: 500 })).filter((r) => r.eventType === 'a2a.call' && r.tenant === tenant && r.targetAgent === agent && r.method === method).sort((a, b) => b.seq - a.seq);
}

/**
 * An orchestrator behind the mesh's gateway: it calls agents through the gateway with a delegating
 * client of its own (tenant platform, the A2A scopes and `options.scopes`), its runtime accepts only
 * the gateway's assertions (with `options.runtime` added), and the gateway routes to it once this
 * resolves. `options.gatewayUrl` is where it reaches the gateway, when a test puts something in
 * between. The caller closes it before the mesh.
 */
export async function startMeshOrchestrator(mesh: GatewayMesh, options: { scopes?: string[]; runtime?: RuntimeConfigInput; gatewayUrl?: string } = {}) {
  const { gw, registry } = mesh;
  const own = await createClient(gw.url, { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', 'a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', ...(options.scopes ?? [])] });
  const runtime = { registryUrl: registry.url, gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true, ...options.runtime };
  const orch = await startOrchestrator({}, { config: { gatewayUrl: options.gatewayUrl ?? gw.url, clientId: own.clientId, clientSecret: own.clientSecret, registryUrl: registry.url, runtime } });
  await until('the gateway to route to the orchestrator', async () => gw.gateway.router.agent('orchestrator')?.instances.some((i) => i.inRotation) ?? false);
  return orch;
}

/**
 * One agent of a gateway mesh called two ways with the same rights: directly, with the assertion
 * the gateway would send (tenant acme, `scopes`), and through the gateway, with a client token of
 * those scopes. Tests that pin "through the gateway as directly" compare what the two answer.
 */
export async function startAsDirectlyPair(client: string, scopes: string[], agent = 'tester') {
  const mesh = await startGatewayMesh();
  const token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: client, tenant: 'acme', scopes }));
  const assertion = await mesh.gw.gateway.identity.signAssertion({ sub: client, tenant: 'acme', scope: scopes.join(' '), aud: `agentmesh:agent:${agent}`, act: 'agentmesh-gateway' }, 600);
  return { mesh, direct: mesh.host.agents[agent]!, through: `${mesh.gw.url}/agents/${agent}`, token, assertion, close: () => mesh.close() };
}
