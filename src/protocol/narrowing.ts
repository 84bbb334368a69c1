/**
 * Narrowing of values whose type the compiler cannot know: JSON parsed from
 * the wire, a file or a column, and whatever a `catch` caught. Each function
 * is a type guard or a reading, not an assertion, so a value of another shape
 * is seen as such instead of being trusted. All of them are cheap enough for a
 * per-request path: a few `typeof` checks, no allocation.
 */

/** A JSON object (not null, not an array): its members readable by name. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON list of strings. */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** `value` when it is one of `values` (a table of names, an enum's members), else undefined. */
export function oneOf<const T>(values: readonly T[], value: unknown): T | undefined {
  for (const candidate of values) if (candidate === value) return candidate;
  return undefined;
}

/**
 * `value` when it is one of `values`, else a TypeError naming `what` (a
 * stored column, a setting): for data this code wrote itself, where another
 * value means the data is damaged, not that someone sent it.
 */
export function requireOneOf<const T>(values: readonly T[], value: unknown, what: string): T {
  const found = oneOf(values, value);
  if (found === undefined) throw new TypeError(`${what} is ${JSON.stringify(value)}, not one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);
  return found;
}

/**
 * The message of what was thrown: an Error's, or any object's `message`
 * string (an error of another realm), else the value as text. `catch`
 * receives `unknown`: a library may throw a string.
 */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') return err.message;
  return String(err);
}

/** The `code` of what was thrown when it is a string (Node's system errors: `ENOENT`, `EEXIST`), else undefined. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** What was thrown, as an Error: itself when it is one, else an Error saying it (the value kept as its `cause`). */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorMessage(err), { cause: err });
}
