import { invalidParams, type AgentmeshError } from 'agentmesh';

/**
 * An input the JSON Schema admits but the skill cannot use (an unknown lead
 * id, a text with no numbers in it). Exposed, so the task fails with a reason
 * the caller can act on rather than a generic internal error.
 */
export function badInput(field: string, description: string): AgentmeshError {
  return invalidParams(field, description);
}
