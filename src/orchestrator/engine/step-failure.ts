import { AgentmeshError, ErrorCodes, isAgentmeshError, type ErrorCode } from '../../protocol/index.js';

/**
 * A step that ended without an output: what parents (parallel, map,
 * fallback) catch and weigh. Its code says why: the step's own
 * (`AM_ERR_WORKFLOW_STEP_TIMEOUT`, `…_MAP_FAILED`, …), or the code of the
 * error it ended with (an agent's refusal, an expression's failure), so a
 * failed run names it.
 */
export class StepFailure extends AgentmeshError {
  readonly path: string;
  /** Running the step again cannot change the outcome (the agent refused the call, or rejected the task): no retry. */
  readonly permanent: boolean;

  /** `failure` gives the words (a catalog entry); `code` overrides its code with the one the step ended with. */
  constructor(path: string, failure: AgentmeshError, options: { permanent?: boolean; code?: ErrorCode } = {}) {
    super(options.code ?? failure.code, failure.message, { expose: true, retryable: options.permanent !== true, details: { ...failure.details, path }, cause: failure.cause });
    this.path = path;
    this.permanent = options.permanent === true;
  }
}

/** The message of whatever a step threw. */
export function failureMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The code a step that threw `err` failed with: the error's own, else a step failure's. */
export function failureCode(err: unknown): ErrorCode {
  return isAgentmeshError(err) ? err.code : ErrorCodes.WORKFLOW_STEP_FAILED;
}

/** True for the error an aborted signal throws (cancellation, a parent's join, a timeout). */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
