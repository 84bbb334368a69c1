import { hash } from 'node:crypto';

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
 * node:crypto in one call: a map sends one message per item, and that
 * package's SHA-1 in JavaScript allocated 2.6 KB an id (a Hash object a call,
 * createHash, cost twice the one-shot `hash` under a map's load).
 */
export function stepMessageId(runId: string, path: string, send: number): string {
  const name = `${runId}\u0000${path}\u0000${send}`;
  const data = Buffer.allocUnsafe(NAMESPACE.length + Buffer.byteLength(name, 'utf8'));
  NAMESPACE.copy(data, 0);
  data.write(name, NAMESPACE.length, 'utf8');
  const hex = hash('sha1', data, 'hex');
  // Version 5 in the 7th byte's high nibble; the variant (10xx) in the 9th's.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${VARIANT_NIBBLE[parseInt(hex[16]!, 16) & 0x3]!}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The 9th byte's high nibble with its top two bits set to the RFC variant, by the nibble's low two bits. */
const VARIANT_NIBBLE = '89ab';
