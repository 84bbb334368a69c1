/**
 * Strings as every audit store holds them. SQLite and PostgreSQL both store
 * UTF-8: a lone surrogate (`"\ud800"`, legal in a JS string and in JSON) has
 * no UTF-8 form, and the drivers write U+FFFD in its place, so the row would
 * read back different from what was hashed and `verify` would call it
 * modified. PostgreSQL text and jsonb refuse U+0000 outright (the batch would
 * fail and be retried forever). So before anything is hashed, both become
 * U+FFFD, once, here: what is stored is then byte for byte what was hashed.
 * NUL is replaced rather than dropped so that `"a\0b"` and `"ab"` stay distinct.
 */
export function storableText(value: string): string {
  let out = value.isWellFormed() ? value : value.toWellFormed();
  if (out.includes('\u0000')) out = out.replaceAll('\u0000', REPLACEMENT);
  return out;
}

/** U+FFFD REPLACEMENT CHARACTER: what the UTF-8 encoders write for a lone surrogate. */
const REPLACEMENT = '\ufffd';

declare global {
  /** ES2024 string methods: Node 20 has them; the project's lib is ES2023. */
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/**
 * `value` made storable and cut to at most `max` UTF-16 code units, the last
 * one `…` when cut. The cut never splits a surrogate pair.
 */
export function boundedText(value: string, max: number): string {
  let out = value;
  if (out.length > max) {
    let end = max - 1;
    const last = out.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end -= 1;
    out = `${out.slice(0, end)}…`;
  }
  return storableText(out);
}
