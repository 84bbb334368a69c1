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
