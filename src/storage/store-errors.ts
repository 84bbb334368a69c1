import { Errors, invalidParams, type AgentmeshError } from '../protocol/index.js';

export function versionConflict(taskId: string, expected: number): AgentmeshError {
  return Errors.taskVersionConflict({ taskId, expected });
}

export function invalidCursor(): AgentmeshError {
  return invalidParams('pageToken', 'is not a token this server issued');
}
