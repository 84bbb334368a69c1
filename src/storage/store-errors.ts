import { AgentmeshError, ErrorCodes } from '../protocol/index.js';

export function versionConflict(taskId: string, expected: number): AgentmeshError {
  return new AgentmeshError(ErrorCodes.TASK_VERSION_CONFLICT, `Task ${taskId} changed since version ${expected}`, {
    retryable: true,
    details: { taskId },
  });
}

export function invalidCursor(): AgentmeshError {
  return new AgentmeshError(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: pageToken is not a token this server issued', {
    violations: [{ field: 'pageToken', description: 'is not a token this server issued' }],
  });
}
