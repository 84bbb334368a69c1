
import { Errors } from './error-messages.js';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-bytes.js';

/**
 * How deep a request's JSON may nest (objects and arrays, the envelope
 * included). Deeper input is refused as invalid params before any work:
 * every recursive walk downstream (validation, canonical hashing,
 * `JSON.stringify` of stored events) is then bounded (A2A §3.3.2).
 */
export const MAX_JSON_DEPTH = 100;

/**
 * The deepest nesting of the JSON text in `bytes` (raw UTF-8 or a string), scanning at most up to
 * `stopAt` (it returns as soon as that depth is reached). One pass over the
 * bytes with no allocation: cheap enough to run on every request before
 * `JSON.parse`. Multi-byte UTF-8 sequences never contain the ASCII bytes it
 * looks for, so it works on raw bytes. Malformed JSON gives some number;
 * the parser judges it afterwards.
 */
export function jsonDepth(bytes: Uint8Array | string, stopAt: number = Number.MAX_SAFE_INTEGER): number {
  // One loop per kind: a loop that reads either kind of input is polymorphic in its every read, and scanned
  // a gateway's request body at several times the cost of one that reads bytes alone
  // (docs/perf-journal/gateway-and-fleet-2026-11-27.md, "Per-call cuts after the front became the default").
  return typeof bytes === 'string' ? textDepth(bytes, stopAt) : bytesDepth(bytes, stopAt);
}

function bytesDepth(bytes: Uint8Array, stopAt: number): number {
  const n = bytes.length;
  let depth = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      // To the string's closing quote (an escaped character skipped): none of its bytes is structure.
      for (i++; i < n; i++) {
        const c = bytes[i]!;
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) break;
      }
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max >= stopAt) return max;
      }
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
  return max;
}

/** {@link bytesDepth}'s scan over a string's code units, written out apart on purpose (see {@link jsonDepth}); a property test holds the two to the same answers. */
function textDepth(text: string, stopAt: number): number {
  const n = text.length;
  let depth = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const b = text.charCodeAt(i);
    if (b === QUOTE) {
      for (i++; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) break;
      }
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max >= stopAt) return max;
      }
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
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
