import { TaskState } from '@a2a-js/sdk';

/**
 * Process exit codes of `agentmesh`. Scripts branch on these, so they never
 * change meaning.
 */
export const ExitCodes = {
  /** The call succeeded; for `send`/`watch`, the task completed. */
  OK: 0,
  /** The task failed, was canceled or rejected, or the call itself failed. */
  FAILURE: 1,
  /** Bad command line: unknown option, missing argument, unreadable `--data`. */
  USAGE: 2,
  /** The task is interrupted and waits for the caller (input-required, auth-required). */
  NEEDS_INPUT: 3,
} as const;

/** One of {@link ExitCodes}. */
export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

/**
 * Exit code for a task that stopped in `state` (A2A §4.1.3): completed → 0,
 * failed/canceled/rejected → 1, input/auth-required → 3. A task still running
 * (submitted, working) is not a failure of the call: 0.
 */
export function exitCodeForState(state: TaskState): ExitCode {
  switch (state) {
    case TaskState.TASK_STATE_FAILED:
    case TaskState.TASK_STATE_CANCELED:
    case TaskState.TASK_STATE_REJECTED:
      return ExitCodes.FAILURE;
    case TaskState.TASK_STATE_INPUT_REQUIRED:
    case TaskState.TASK_STATE_AUTH_REQUIRED:
      return ExitCodes.NEEDS_INPUT;
    default:
      return ExitCodes.OK;
  }
}
