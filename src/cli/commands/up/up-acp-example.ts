import { join } from 'node:path';
import type { Registry } from '../../../registry/index.js';
import { createRuntime, type AgentDefinition, type RuntimeConfigInput } from '../../../runtime/index.js';
import { readOrCreateSecretFile } from '../../../storage/index.js';

/** The ACP example of `agentmesh up`, listening and registered. */
export interface AcpExample {
  /** The ACP server's base URL (where `/agents` and `/runs` are). */
  url: string;
  /** The bridged agents the registry now lists. */
  agents: string[];
  close(): Promise<void>;
}

/**
 * docs/acp.md#in-agentmesh-up: one of the example department agents also runs as a plain
 * ACP agent on a server of its own — not registered as an A2A agent, only
 * as the ACP server it is (`POST /v1/agents {protocol: 'acp', url}`) — so
 * the gateway reaches it through its ACP bridge, with the same policy,
 * credits and audit as the native ones. The server is a runtime serving the
 * agent's ACP endpoint (`/acp`); its own A2A side is not registered, and it
 * takes only calls carrying the gateway's assertion.
 */
export async function startAcpExample(options: { agent: AgentDefinition; registry: Registry; dataDir: string; port: number; config: RuntimeConfigInput }): Promise<AcpExample> {
  // With DATABASE_URL it shares the agents' database: it must seal push configs under their secret (ADR 0027).
  const storageSecret = options.config.storageSecret ?? (await readOrCreateSecretFile(join(options.dataDir, 'runtime-secret'))).secret;
  const runtime = await createRuntime({
    agents: [options.agent],
    config: { ...options.config, storageSecret, port: options.port, dataDir: join(options.dataDir, 'acp-example'), registryUrl: undefined },
  });
  try {
    const { url } = await runtime.listen();
    const acpUrl = `${url.replace(/\/$/, '')}/acp`;
    const { records } = await options.registry.service.registerAcp({ url: acpUrl }, 'upsert');
    const agents = records.map((r) => r.name);
    return {
      url: acpUrl,
      agents,
      close: async () => {
        // Its instance is static (the registry probes it, no lease lapses): left behind, the registry would list
        // it, down, until the next start. Removed first, as the native agents leave before they drain.
        try {
          await leaveRegistry(options.registry, agents, acpUrl);
        } finally {
          await runtime.close();
        }
      },
    };
  } catch (err) {
    await runtime.close();
    throw err;
  }
}

/** Removes the instances at `url` of `agents` (the ACP server's, one per agent it bridges). */
async function leaveRegistry(registry: Registry, agents: readonly string[], url: string): Promise<void> {
  const base = url.replace(/\/$/, '');
  const instances = await registry.service.instancesOf(agents);
  for (const [agent, list] of instances) {
    for (const instance of list) if (instance.url === base) await registry.service.removeInstance(agent, instance.id);
  }
}
