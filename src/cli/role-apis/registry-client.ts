/**
 * The CLI's registry client: the registry's own typed client, with the
 * `--timeout` deadline, a `traceparent`, and error lines that say what to do
 * (pass a token, the agent is not registered here).
 */
import { createRegistryClient, type RegistryClient, type RegistryFailureHint } from '../../contracts/registry-client/index.js';
import { ErrorCodes } from '../../protocol/index.js';
import { createOutboundFetch } from '../client/outbound-fetch.js';
import { roleUrl, type RoleClientOptions } from './role-api.js';

export type { RegistryClient, AgentHealthReport, AcpRegistrationRequest, RegistrationRequest, SearchResult, WireAgentRecord } from '../../contracts/registry-client/index.js';

export { DEFAULT_REGISTRY_URL } from './default-registry-url.js';

/** Options of {@link openRegistry}. */
export interface CliRegistryOptions extends RoleClientOptions {
  /** Bearer token (writes need `registry:write`). */
  token?: string | undefined;
  /** Told the name of an agent the registry does not have, before the error is thrown. */
  onUnknownAgent?: ((name: string) => void) | undefined;
}

/**
 * The registry client of one command. Every failure is an AgentmeshError
 * whose message is the line the CLI prints; a URL that is not http(s) is a
 * usage error.
 *
 * @example
 * const registry = openRegistry({ url: 'http://localhost:4100' });
 * const { agents } = await registry.listAgents({ department: 'sales' });
 */
export function openRegistry(options: CliRegistryOptions): RegistryClient {
  const url = roleUrl('registry', options.url);
  const hint: RegistryFailureHint = ({ code, status, message, agent }) => {
    if (code === ErrorCodes.REGISTRY_AGENT_NOT_FOUND && agent !== undefined) {
      options.onUnknownAgent?.(agent);
      return `agent ${agent} is not registered at ${url}`;
    }
    if (status === 401) return `${message} (pass --token or set REGISTRY_TOKEN)`;
    if (status === 403) return `${message} (the token lacks the registry:write scope)`;
    // A person reads the registry's own words; the URL is in the command line.
    return message;
  };
  const fetch = createOutboundFetch({ ...(options.fetchImpl && { fetchImpl: options.fetchImpl }), ...(options.signal && { signal: options.signal }) });
  return createRegistryClient({ url, token: options.token, fetch, hint });
}
