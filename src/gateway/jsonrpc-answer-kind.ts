import { jsonBytes } from '../protocol/index.js';

/** Which member a JSON-RPC response carries (JSON-RPC 2.0 §5: exactly one of `result` and `error`). */
export type JsonRpcAnswerKind = 'result' | 'error';

const { QUOTE, BACKSLASH, COLON, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } = jsonBytes;

/**
 * Whether the JSON-RPC response in `bytes[start, end)` (UTF-8) is a result
 * or an error, without parsing it; undefined when those bytes do not say
 * (cut before the member's key, or not a JSON object).
 *
 * Why a scan is enough: in a JSON-RPC response the first unescaped
 * `"result"` or `"error"` key is the top-level one. The members a server
 * writes before it are `jsonrpc` and `id`, both primitives (a string, a
 * number or null: JSON-RPC 2.0 §5), so no nested object can come first; a
 * string value cannot contain an unescaped quote, so reading strings from
 * quote to unescaped quote never mistakes a value's text for a key; and a
 * string followed by `:` is always a key. An answer is read up to its
 * first member named so: for the usual `{"jsonrpc":"2.0","id":1,"result":…`
 * a few dozen bytes, however large the result. The depth is counted all
 * the same, so a peer that breaks the spec (an object for an id) is not
 * misread either: only a key of the outermost object counts.
 *
 * UTF-8 is scanned as bytes: every byte of a multi-byte character is above
 * 0x7f, so none is a quote, a backslash or a bracket.
 *
 * @example
 * jsonRpcAnswerKind(Buffer.from('{"jsonrpc":"2.0","id":7,"error":{"code":-32001}}')); // 'error'
 */
export function jsonRpcAnswerKind(bytes: Uint8Array, start = 0, end = bytes.length): JsonRpcAnswerKind | undefined {
  let depth = 0;
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      const open = i;
      let escaped = false;
      i++;
      while (i < end && bytes[i] !== QUOTE) {
        if (bytes[i] === BACKSLASH) {
          escaped = true;
          i++;
        }
        i++;
      }
      if (i >= end) return undefined;
      const close = i;
      i++;
      if (depth !== 1) continue;
      const kind = escaped ? escapedName(bytes, open, close) : plainName(bytes, open + 1, close);
      if (kind === undefined) continue;
      // A key only when a colon follows (after JSON whitespace); a value "result" is followed by `,` or `}`.
      while (i < end && isWhitespace(bytes[i]!)) i++;
      if (i >= end) return undefined;
      if (bytes[i] === COLON) return kind;
      continue;
    }
    if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
    else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
      // The outermost object closed without either member: not a JSON-RPC response.
      if (depth <= 0) return undefined;
    }
    i++;
  }
  return undefined;
}

/** `result` or `error` when `bytes[from, to)` spells it, as a server writes it (no escapes). */
function plainName(bytes: Uint8Array, from: number, to: number): JsonRpcAnswerKind | undefined {
  const length = to - from;
  if (length === 6 && bytes[from] === 0x72 && bytes[from + 1] === 0x65 && bytes[from + 2] === 0x73 && bytes[from + 3] === 0x75 && bytes[from + 4] === 0x6c && bytes[from + 5] === 0x74) return 'result';
  if (length === 5 && bytes[from] === 0x65 && bytes[from + 1] === 0x72 && bytes[from + 2] === 0x72 && bytes[from + 3] === 0x6f && bytes[from + 4] === 0x72) return 'error';
  return undefined;
}

/** A key with escapes (`"r\u0065sult"` is `result` to JSON.parse too): decoded, which no server does on the common path. */
function escapedName(bytes: Uint8Array, open: number, close: number): JsonRpcAnswerKind | undefined {
  // `result` escaped is at most six \uXXXX escapes: anything longer is another name.
  if (close - open > 6 * 6 + 1) return undefined;
  try {
    const name: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + open, close - open + 1).toString('utf8'));
    return name === 'result' || name === 'error' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** JSON's insignificant whitespace (RFC 8259 §2). */
function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
