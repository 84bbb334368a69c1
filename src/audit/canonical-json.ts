import { AgentmeshError, ErrorCodes } from '../protocol/index.js';

/**
 * Canonical JSON in the spirit of RFC 8785 (JCS): object keys sorted by
 * UTF-16 code units, no whitespace, numbers and strings as ECMAScript's
 * `JSON.stringify` writes them (which is what JCS prescribes).
 *
 * Written here rather than taken from the `canonicalize` package because that
 * one throws on lone surrogates and non-finite numbers, and client input can
 * hold both (`JSON.parse('"\\ud800"')`): hashing an audited input must never
 * fail the call. Such values are written the way `JSON.stringify` writes them
 * (`"\ud800"` escaped, `NaN` as `null`), which is still deterministic.
 * `undefined`, functions and symbols are dropped from objects and become
 * `null` in arrays, as in `JSON.stringify`; `toJSON()` is honoured.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      throw new AgentmeshError(ErrorCodes.AUDIT_INVALID_ARGUMENT, 'cannot hash a BigInt: it has no JSON form');
    case 'object':
      break;
    default:
      // undefined, function, symbol at the top level
      return 'null';
  }
  const object = value as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof object.toJSON === 'function') return write(object.toJSON(), seen);
  if (seen.has(object)) throw new AgentmeshError(ErrorCodes.AUDIT_INVALID_ARGUMENT, 'cannot hash a value with a circular reference');
  seen.add(object);
  let out: string;
  if (Array.isArray(object)) {
    out = `[${object.map((item) => (isDropped(item) ? 'null' : write(item, seen))).join(',')}]`;
  } else {
    const parts: string[] = [];
    // Default sort compares UTF-16 code units, which is JCS's order.
    for (const key of Object.keys(object).sort()) {
      const item = object[key];
      if (isDropped(item)) continue;
      parts.push(`${JSON.stringify(key)}:${write(item, seen)}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(object);
  return out;
}

function isDropped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
