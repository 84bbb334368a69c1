/**
 * The ASCII bytes JSON's structure is made of, for the scans that read
 * JSON as raw UTF-8 without parsing it (its depth, a JSON-RPC answer's
 * member). No byte of a multi-byte UTF-8 sequence is below 0x80, so none
 * is ever mistaken for one of these.
 */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COLON = 0x3a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
