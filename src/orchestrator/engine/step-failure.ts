/** A step that ended without an output: what parents (parallel, map, fallback) catch and weigh. */
export class StepFailure extends Error {
  readonly path: string;
  /** Running the step again cannot change the outcome (the agent refused the call, or rejected the task): no retry. */
  readonly permanent: boolean;

  constructor(path: string, message: string, options: { permanent?: boolean } = {}) {
    super(message);
    this.name = 'StepFailure';
    this.path = path;
    this.permanent = options.permanent === true;
  }
}

/** The message of whatever a step threw. */
export function failureMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True for the error an aborted signal throws (cancellation, a parent's join, a timeout). */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
