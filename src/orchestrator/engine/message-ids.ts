import { createHash } from 'node:crypto';

/** Namespace of the message ids the orchestrator derives (a constant: ids must be the same after a restart). */
const NAMESPACE = Buffer.from('5b0e2f2c6a3e4d8e9a572f0c7e6b9d14', 'hex');

/**
 * The message id of a step's `send`-th message: derived, not random, so that
 * a restarted orchestrator replaying a step sends the same id — the runtime
 * answers a repeated id with the task it already started, and the gateway
 * reserves credits once per id.
 *
 * A name-based UUID (RFC 9562 §5.5, version 5: SHA-1 of the namespace and the
 * name's UTF-8), the same id the `uuid` package's v5 gives for well-formed
 * text (run ids are UUIDs, step ids letters, digits, - and _), hashed by
 * node:crypto: a map sends one message per item, and that package's SHA-1 in
 * JavaScript allocated 2.6 KB an id.
 */
export function stepMessageId(runId: string, path: string, send: number): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${runId}\u0000${path}\u0000${send}`, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
