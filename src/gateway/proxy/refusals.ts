import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';

/** An agent that is not registered, disabled, or closed to the caller's tenant: all look the same. */
export function agentNotFound(name: string): AgentmeshError {
  return new AgentmeshError(ErrorCodes.GATEWAY_AGENT_NOT_FOUND, `No agent named ${JSON.stringify(name.slice(0, 128))} is reachable through this gateway`, { details: { agent: name.slice(0, 128) } });
}
