/**
 * The prototype of "HAProxy relays, agentmesh decides" (ADR 0054's
 * structural design, measured by the gateway bench): a SPOP agent server,
 * agentmesh's per-call policy as its handler over a gateway's parts, and
 * HAProxy's config that asks it.
 */
import { PolicyAgent, type PolicyAgentOptions, type PolicyGateway } from './policy-agent.js';
import { startSpopServer, type SpopServer } from './spop-server.js';

export { PolicyAgent, type PolicyAgentOptions, type PolicyAgentStats, type PolicyGateway } from './policy-agent.js';
export { startSpopServer, type SpopHandler, type SpopServer, type SpopServerOptions } from './spop-server.js';
export { haproxySpoeConfig, type SpoeMode } from './haproxy-spoe-config.js';
export { startHaproxySpoe } from './haproxy-spoe.js';

/** The policy agent of `gateway` listening for HAProxy on 127.0.0.1 (port 0: any free one). */
export async function startPolicyAgentServer(gateway: PolicyGateway, options: PolicyAgentOptions & { port?: number } = {}): Promise<{ agent: PolicyAgent; server: SpopServer; close(): Promise<void> }> {
  const agent = new PolicyAgent(gateway, options);
  const server = await startSpopServer({ handler: agent.handle, port: options.port ?? 0 });
  return {
    agent,
    server,
    async close() {
      agent.close();
      await server.close();
    },
  };
}
