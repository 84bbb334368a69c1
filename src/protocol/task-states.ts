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

/** Each state but UNSPECIFIED by its v1 JSON name: a lookup that narrows, and no `obj[name]` for a name a client sent. */
const STATES_BY_NAME = new Map<string, TaskState>();
for (const state of Object.values(TaskState)) {
  // The enum's reverse mapping holds the names too: only its numeric members are states.
  if (typeof state === 'number' && state !== TaskState.TASK_STATE_UNSPECIFIED) STATES_BY_NAME.set(TaskState[state], state);
}

/** Parses a v1 JSON state name; undefined when it is not one. */
export function parseStateName(name: string): TaskState | undefined {
  return STATES_BY_NAME.get(name);
}
