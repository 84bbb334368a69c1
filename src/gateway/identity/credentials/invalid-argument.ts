import { AgentmeshError, ErrorCodes } from '../../../protocol/index.js';

/** A refused management input: 400 AM_ERR_IDENTITY_INVALID_ARGUMENT naming the field. */
export function invalidArgument(field: string, description: string): AgentmeshError {
  return new AgentmeshError(ErrorCodes.IDENTITY_INVALID_ARGUMENT, `${field} ${description}`, { violations: [{ field, description }] });
}
