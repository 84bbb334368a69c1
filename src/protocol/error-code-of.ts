import { ErrorCodes, type ErrorCode } from './errors.js';

/** Each code by its text: a lookup that narrows, and no `obj[name]` on a plain object for a name read off the wire. */
const CODES: ReadonlyMap<string, ErrorCode> = new Map(Object.values(ErrorCodes).map((code) => [code, code]));

/** `value` when it is one of our error codes (read back from a peer's error body), else undefined. */
export function errorCodeOf(value: unknown): ErrorCode | undefined {
  return typeof value === 'string' ? CODES.get(value) : undefined;
}
