import * as crypto from 'node:crypto';

/**
 * One-shot SHA-256 of a string (UTF-8) to lowercase hex: `crypto.hash`
 * (Node ≥ 20.12) skips the Hash object, about half the cost on a small
 * input; older Node builds one. Every audit row and input/output hash goes
 * through it, once per call.
 */
export const sha256Hex: (text: string) => string =
  // The types say it is there; `engines` still admits Node 20.11, where it is not.
  typeof (crypto as { hash?: unknown }).hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');
