
import { Errors } from './error-messages.js';

/**
 * How deep a request's JSON may nest (objects and arrays, the envelope
 * included). Deeper input is refused as invalid params before any work:
 * every recursive walk downstream (validation, canonical hashing,
 * `JSON.stringify` of stored events) is then bounded (A2A §3.3.2).
 */
export const MAX_JSON_DEPTH = 100;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of the JSON text in `bytes` (raw UTF-8 or a string), scanning at most up to
 * `stopAt` (it returns as soon as that depth is reached). One pass over the
 * bytes with no allocation: cheap enough to run on every request before
 * `JSON.parse`. Multi-byte UTF-8 sequences never contain the ASCII bytes it
 * looks for, so it works on raw bytes. Malformed JSON gives some number;
 * the parser judges it afterwards.
 */
export function jsonDepth(bytes: Uint8Array | string, stopAt: number = Number.MAX_SAFE_INTEGER): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  const text = typeof bytes === 'string';
  for (let i = 0; i < bytes.length; i++) {
    const b = text ? bytes.charCodeAt(i) : bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max >= stopAt) return max;
      }
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) depth--;
  }
  return max;
}

/** Refuses JSON nested deeper than {@link MAX_JSON_DEPTH} with -32602 / 400, naming the limit. */
export function assertJsonDepth(bytes: Uint8Array | string, limit: number = MAX_JSON_DEPTH): void {
  if (jsonDepth(bytes, limit + 1) > limit) {
    throw Errors.nestedTooDeep({ limit }, {
      violations: [{ field: 'params', description: `must not nest deeper than ${limit} levels` }],
    });
  }
}
