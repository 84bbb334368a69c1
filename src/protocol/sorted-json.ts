import { isRecord } from './narrowing.js';

/**
 * The canonical JSON of a plain JSON value: object keys sorted by UTF-16 code
 * units, no whitespace, strings and numbers as `JSON.stringify` writes them,
 * `undefined` dropped from objects and `null` in arrays. Two values that are
 * equal as JSON give the same text, whatever their key order: what a message
 * fingerprint hashes. (Audit hashing has its own walk in src/audit, which
 * also survives bodies nested too deep for this recursion.)
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (!isRecord(value)) return JSON.stringify(value) ?? 'null';
  const entries = Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
  return `{${entries.join(',')}}`;
}
