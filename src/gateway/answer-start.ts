/**
 * The answer's first chunk begins a JSON body: its first byte that is not JSON whitespace or a UTF-8
 * byte order mark is `{`. An event stream starts with a field (`data:`, `event:`, `id:`) or a comment,
 * never with `{`, so this tells a stream from an error answered as JSON before the stream began.
 */
export function startsJson(chunk: Buffer): boolean {
  for (const b of chunk) {
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0xef && b !== 0xbb && b !== 0xbf) return b === 0x7b;
  }
  return false;
}
