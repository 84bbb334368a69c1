/**
 * Task states as the CLI shows and reads them: `input-required` rather than
 * the wire's `TASK_STATE_INPUT_REQUIRED`. The state sets themselves
 * (terminal, interrupted) are protocol's.
 */
import { TaskState } from '@a2a-js/sdk';
import { InvalidArgumentError } from 'commander';
import { AgentmeshError, ErrorCodes, parseStateName, stateName } from '../../protocol/index.js';

const PREFIX = 'TASK_STATE_';

/** Human name of a state: `TASK_STATE_INPUT_REQUIRED` → `input-required`. */
export function humanStateName(state: TaskState | undefined): string {
  if (state === undefined) return 'unknown';
  const wire = stateName(state);
  return (wire.startsWith(PREFIX) ? wire.slice(PREFIX.length) : wire).toLowerCase().replaceAll('_', '-');
}

/**
 * Reads a state from the command line: `working`, `input-required`,
 * `INPUT_REQUIRED` or the wire name `TASK_STATE_INPUT_REQUIRED`.
 *
 * @throws AgentmeshError `AM_ERR_CLI_USAGE` naming the accepted values.
 */
export function parseTaskState(text: string): TaskState {
  const upper = text.trim().toUpperCase().replaceAll('-', '_');
  const state = parseStateName(upper.startsWith(PREFIX) ? upper : PREFIX + upper);
  if (state === undefined || state === TaskState.UNRECOGNIZED) {
    const known = Object.values(TaskState)
      .filter((v): v is TaskState => typeof v === 'number' && v > TaskState.TASK_STATE_UNSPECIFIED)
      .map((v) => humanStateName(v));
    throw new AgentmeshError(ErrorCodes.CLI_USAGE, `unknown task state "${text}" (expected one of: ${known.join(', ')})`);
  }
  return state;
}

/** {@link parseTaskState} as a commander option parser: a bad state is a usage error. */
export function taskStateOption(value: string): TaskState {
  try {
    return parseTaskState(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
