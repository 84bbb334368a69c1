import type { AgentDefinition, RuntimeConfigInput } from '../../src/runtime/index.js';
import type { GatewayConfigInput } from '../../src/gateway/index.js';
import { startGateway } from './gateway-fixture.js';
import { startRegistry } from './registry-fixture.js';
import { startRuntime, testAgent } from './runtime-fixture.js';
import { until } from './until.js';

/**
 * A registry, a gateway and a runtime whose agents accept only the gateway's
 * assertions, with the gateway routing to every agent: the smallest mesh a
 * gateway test drives. `close()` stops all three.
 */
export async function startGatewayMesh(options: { agents?: AgentDefinition[]; gateway?: GatewayConfigInput; runtime?: RuntimeConfigInput } = {}) {
  const agents = options.agents ?? [testAgent];
  const registry = await startRegistry({ probeIntervalMs: 200 });
  const gw = await startGateway(registry.url, options.gateway);
  const host = await startRuntime(agents, { registryUrl: registry.url, gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true, ...options.runtime });
  for (const agent of agents) {
    const name = agent.card.name;
    await until(`the gateway to route to ${name}`, async () => gw.gateway.router.agent(name)?.instances.some((i) => i.inRotation) ?? false, 10_000);
  }
  return {
    registry,
    gw,
    host,
    close: async () => {
      await host.close();
      await gw.close();
      await registry.close();
    },
  };
}

/** What {@link startGatewayMesh} started. */
export type GatewayMesh = Awaited<ReturnType<typeof startGatewayMesh>>;
