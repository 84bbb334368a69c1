import { isDeepStrictEqual } from 'node:util';
import { isRecord } from '../protocol/index.js';

/**
 * Sets an own, enumerable property whatever its name: `object[key] = value`
 * with the key `__proto__` (a skill may have that id) would set the
 * prototype instead (CONTRIBUTING.md, "Hostile input").
 */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/** RFC 7396 JSON merge patch: `patch` applied to a copy of `target`, any JSON object (a `null` removes a key). */
export function mergePatch(target: object, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else {
      const current = Object.hasOwn(out, key) ? out[key] : undefined;
      setOwn(out, key, isRecord(value) && isRecord(current) ? mergePatch(current, value) : value);
    }
  }
  return out;
}

/**
 * The RFC 7396 merge patch that makes `from` into `to` (`mergePatch(from,
 * mergePatchBetween(from, to))` equals `to` for JSON without nulls): objects
 * patched key by key, anything else replaced whole.
 */
export function mergePatchBetween(from: Record<string, unknown>, to: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) if (!Object.hasOwn(to, key)) setOwn(patch, key, null);
  for (const [key, value] of Object.entries(to)) {
    const before = Object.hasOwn(from, key) ? from[key] : undefined;
    if (isRecord(before) && isRecord(value)) {
      const inner = mergePatchBetween(before, value);
      if (Object.keys(inner).length > 0) setOwn(patch, key, inner);
    } else if (before === undefined || !isDeepStrictEqual(before, value)) {
      setOwn(patch, key, value);
    }
  }
  return patch;
}
