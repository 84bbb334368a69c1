import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * One-shot SHA-256 to hex: `crypto.hash` (Node ≥ 20.12) skips the Hash
 * object, about half the cost on a small input; older Node builds one.
 */
const sha256Hex: (text: string) => string =
  // The types say it is there; `engines` still admits Node 20.11, where it is not.
  typeof (crypto as { hash?: unknown }).hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

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
