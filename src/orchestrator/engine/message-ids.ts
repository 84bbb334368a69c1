import { v5 as uuidv5 } from 'uuid';

/** Namespace of the message ids the orchestrator derives (a constant: ids must be the same after a restart). */
const NAMESPACE = '5b0e2f2c-6a3e-4d8e-9a57-2f0c7e6b9d14';

/**
 * The message id of a step's `send`-th message: derived, not random, so that
 * a restarted orchestrator replaying a step sends the same id — the runtime
 * answers a repeated id with the task it already started, and the gateway
 * reserves credits once per id.
 */
export function stepMessageId(runId: string, path: string, send: number): string {
  return uuidv5(`${runId}\u0000${path}\u0000${send}`, NAMESPACE);
}
