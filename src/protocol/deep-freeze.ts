/**
 * Freezes `value` and everything reachable from it, in place, and returns it: for values shared
 * by every reader (a workflow definition, an agent's config) that nothing may change.
 * Already-frozen objects are not walked again.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
