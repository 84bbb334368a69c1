/**
 * What the CLI adds when an agent name is not known where it was asked for
 * (a gateway's `/agents/<name>`, a registry's record): the known names
 * nearest it, and the command that lists them all. The names come from the
 * gateway (the agents its caller may see, `GET /v1/console/agents`, when
 * the command has a token) or else from the registry (`GET /v1/agents`,
 * open to read). A lookup that fails or is slow costs the hint its
 * suggestions, never the error its line.
 */
import { closestNames } from '../io/closest-names.js';

/** How long the names may take to arrive: the hint must not hold up the error. */
const LOOKUP_TIMEOUT_MS = 3_000;

/** Where {@link unknownAgentHint} reads the known names. */
export interface AgentNames {
  /** A gateway's base URL; asked first, with `token`. */
  gatewayUrl?: string | undefined;
  /** The bearer token of the command: the gateway lists what it lets its bearer see. */
  token?: string | undefined;
  /** A registry's base URL; asked when the gateway is not (no token) or did not answer. */
  registryUrl?: string | undefined;
  /** How to list them all, as the user would type it: `agentmesh agents list`, with its `--registry`. */
  listCommand: string;
  fetchImpl?: typeof fetch | undefined;
}

/** The agent a URL names through a gateway (`<gateway>/agents/<name>`, its card URL too), or undefined. */
export function gatewayAgentOf(url: string): { gatewayUrl: string; name: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const match = /^(.*)\/agents\/([^/]+)(?:\/\.well-known\/agent-card\.json)?\/?$/.exec(parsed.pathname);
  if (match === null) return undefined;
  return { gatewayUrl: `${parsed.origin}${match[1]}`, name: decodeURIComponent(match[2]!) };
}

/** The `name` of each agent in `{ agents: [{ name }] }` at `url`, or undefined when it cannot be read. */
async function namesAt(url: string, token: string | undefined, fetchImpl: typeof fetch): Promise<string[] | undefined> {
  try {
    const response = await fetchImpl(url, { headers: { accept: 'application/json', ...(token !== undefined && { authorization: `Bearer ${token}` }) }, signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { agents?: unknown };
    if (!Array.isArray(body.agents)) return undefined;
    return body.agents.flatMap((agent: unknown) => (typeof agent === 'object' && agent !== null && 'name' in agent && typeof agent.name === 'string' ? [agent.name] : []));
  } catch {
    return undefined;
  }
}

/**
 * The `hint:` for `name`, which was not found: `did you mean lead-scorer?`
 * when a known name is near, and always where to see them all.
 *
 * @example
 * await unknownAgentHint('lead-scorr', { registryUrl: 'http://localhost:4100', listCommand: 'agentmesh agents list' });
 * // 'did you mean lead-scorer? agentmesh agents list shows the registered agents'
 */
export async function unknownAgentHint(name: string, where: AgentNames): Promise<string> {
  const fetchImpl = where.fetchImpl ?? fetch;
  const fromGateway = where.gatewayUrl !== undefined && where.token !== undefined ? await namesAt(`${where.gatewayUrl}/v1/console/agents`, where.token, fetchImpl) : undefined;
  const names = fromGateway ?? (where.registryUrl === undefined ? undefined : await namesAt(`${where.registryUrl.replace(/\/+$/, '')}/v1/agents?pageSize=1000`, undefined, fetchImpl));
  const near = closestNames(name, names ?? []);
  const list = `${where.listCommand} shows the registered agents`;
  if (near.length === 0) return list;
  const named = near.map((n) => (where.gatewayUrl === undefined ? n : `${n} (${where.gatewayUrl}/agents/${encodeURIComponent(n)})`));
  return `did you mean ${named.join(' or ')}? ${list}`;
}
