import { cardToManifest, isAcpAgentName } from '../../acp/index.js';
import { Errors } from '../../protocol/index.js';
import type { GatewayCall } from './gateway-call.js';

/**
 * `/agents/{name}/acp/…`: a native agent's runtime ACP endpoint, through the
 * gateway (docs/acp.md "Through the gateway"). Rules:
 *
 * - only native agents (a bridged agent is ACP already: its ACP server is not proxied here);
 * - only agents whose names are ACP agent names (what the runtime serves over ACP);
 * - discovery (`/ping`, `/agents`, `/agents/{name}`) is public, answered by the
 *   gateway from the registry's card: the one agent of the path, never the
 *   runtime's others;
 * - a new run names the agent of the path (`agent_name`), or is refused.
 */
export function checkAcpCall(c: GatewayCall): void {
  const record = c.route!.record;
  if (record.bridge !== undefined || !isAcpAgentName(c.agent)) throw Errors.routeNotFound({ method: c.request.method, path: `/agents/${c.agent.slice(0, 64)}/acp` });
  const named = c.reading.operation === undefined ? undefined : c.call.acpAgentName;
  if (named !== undefined && named !== c.agent) throw Errors.acpAgentMismatch({ given: named.slice(0, 64), agent: c.agent });
}

/** Answers ACP discovery for the agent of the path, from its registry card (not audited, like cards). */
export function answerAcpDiscovery(c: GatewayCall): void {
  c.audit.eventType = 'a2a.card';
  const rest = c.call.forwardPath.slice('/acp'.length);
  const manifest = cardToManifest(c.route!.record.card, c.agent);
  let body: unknown;
  if (rest === '/ping') body = {};
  else if (rest === '/agents') body = { agents: [manifest] };
  else if (decodeSegment(rest.slice('/agents/'.length)) === c.agent) body = manifest;
  else throw Errors.acpAgentNotHere({ agent: c.agent });
  c.reply.code(200).header('content-type', 'application/json').send(JSON.stringify(body));
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
