import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';

/**
 * The one error of bad search input: 400 INVALID_ARGUMENT with the field as a
 * google.rpc.BadRequest violation. The message defaults to "<field> <description>".
 */
export function invalidArgument(field: string, description: string, message = `${field} ${description}`): AgentmeshError {
  return new AgentmeshError(ErrorCodes.REGISTRY_INVALID_ARGUMENT, message, { violations: [{ field, description }] });
}
