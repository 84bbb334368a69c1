/** A step that ended without an output: what parents (parallel, map, fallback) catch and weigh. */
export class StepFailure extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(message);
    this.name = 'StepFailure';
    this.path = path;
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
