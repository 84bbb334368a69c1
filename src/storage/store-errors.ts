import { AgentmeshError, ErrorCodes, invalidParams } from '../protocol/index.js';

export function versionConflict(taskId: string, expected: number): AgentmeshError {
  return new AgentmeshError(ErrorCodes.TASK_VERSION_CONFLICT, `Task ${taskId} changed since version ${expected}`, {
    retryable: true,
    details: { taskId },
  });
}

export function invalidCursor(): AgentmeshError {
  return invalidParams('pageToken', 'is not a token this server issued');
}
