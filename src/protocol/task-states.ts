import { TaskState } from '@a2a-js/sdk';

/** States after which a task accepts no more messages (A2A §4.1.3). */
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

/** States in which the task waits for the client (A2A §3.2.2). */
export const INTERRUPTED_STATES: ReadonlySet<TaskState> = new Set([TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED]);

export const isTerminal = (state: TaskState | undefined): boolean => state !== undefined && TERMINAL_STATES.has(state);
export const isInterrupted = (state: TaskState | undefined): boolean => state !== undefined && INTERRUPTED_STATES.has(state);

/** The v1 JSON name of a state, e.g. `TASK_STATE_WORKING`. */
export const stateName = (state: TaskState): string => TaskState[state] ?? 'TASK_STATE_UNSPECIFIED';

/** Parses a v1 JSON state name; undefined when it is not one. */
export function parseStateName(name: string): TaskState | undefined {
  const value = (TaskState as unknown as Record<string, number>)[name];
  return typeof value === 'number' && value !== TaskState.TASK_STATE_UNSPECIFIED ? (value as TaskState) : undefined;
}
