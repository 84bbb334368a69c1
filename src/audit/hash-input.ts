import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './sha256-hex.js';

/**
 * SHA-256 (lowercase hex) of the canonical JSON of `value`: what the audit
 * trail stores for an A2A input or output instead of the content itself.
 * Equal JSON values hash equal whatever their key order.
 *
 * @throws AgentmeshError `AM_ERR_AUDIT_INVALID_ARGUMENT` for a BigInt or a circular value.
 *
 * @example
 * import { hashInput } from '../audit/index.js';
 * const inputHash = hashInput(params.message); // '9f86d0…'
 * hashInput({ a: 1, b: 2 }) === hashInput({ b: 2, a: 1 }); // true
 */
export function hashInput(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
