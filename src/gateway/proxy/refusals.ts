import type { AgentmeshError} from '../../protocol/index.js';
import { Errors } from '../../protocol/index.js';

/** An agent that is not registered, disabled, or closed to the caller's tenant: all look the same. */
export function agentNotFound(name: string): AgentmeshError {
  return Errors.agentNotReachable({ quotedName: JSON.stringify(name.slice(0, 128)) }, { details: { agent: name.slice(0, 128) } });
}
