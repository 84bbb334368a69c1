import { describeValue, isPlainObject, jsonKey, ownMember, toJsonValue } from './expression-values.js';

/**
 * The only functions an expression can call. Each checks its arguments and
 * says what it expected; a missing value (undefined or null) counts as
 * empty where that reads naturally (`length(missing)` is 0, `keys(missing)`
 * is []). Results are new values: nothing here mutates its arguments.
 */

/** Thrown by a function on a bad argument; the evaluator adds the expression. */
export class FunctionArgumentError extends Error {
  override name = 'FunctionArgumentError';
}

export interface ExpressionFunction {
  minArgs: number;
  maxArgs: number;
  call(args: unknown[]): unknown;
}

const isMissing = (v: unknown): v is null | undefined => v === null || v === undefined;

function fail(fn: string, position: number, expected: string, got: unknown): never {
  throw new FunctionArgumentError(`${fn}() argument ${position} must be ${expected}, got ${describeValue(got)}`);
}

function list(fn: string, position: number, value: unknown): unknown[] {
  if (isMissing(value)) return [];
  if (!Array.isArray(value)) fail(fn, position, 'a list', value);
  return value;
}

function object(fn: string, position: number, value: unknown): Record<string, unknown> {
  if (isMissing(value)) return {};
  if (!isPlainObject(value)) fail(fn, position, 'an object', value);
  return value;
}

function numbers(fn: string, value: unknown): number[] {
  const items = list(fn, 1, value);
  for (const item of items) {
    if (typeof item !== 'number') throw new FunctionArgumentError(`${fn}() needs a list of numbers, found ${describeValue(item)}`);
  }
  return items as number[];
}

function integer(fn: string, position: number, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(fn, position, 'a whole number', value);
  return value;
}

function text(fn: string, value: unknown): string {
  if (typeof value !== 'string') fail(fn, 1, 'a string', value);
  return value;
}

/** A loop, not Math.min(...items): spreading a list of 100k numbers overflows the call stack. */
function extreme(items: number[], better: (a: number, b: number) => boolean): number | null {
  let best: number | null = null;
  for (const item of items) if (best === null || better(item, best)) best = item;
  return best;
}

/**
 * Sorts a list of objects by one field, stably (equal keys keep their order,
 * so a list already ordered by a second key stays ordered by it). Keys must
 * be all numbers or all strings; strings compare by code unit, the same on
 * every machine whatever its locale. Items without the field go last, in
 * either direction.
 */
function sortBy(v: unknown, field: unknown, direction: unknown): unknown[] {
  if (typeof field !== 'string' && typeof field !== 'number') fail('sortBy', 2, 'a field name', field);
  if (direction !== undefined && direction !== 'asc' && direction !== 'desc') fail('sortBy', 3, "'asc' or 'desc'", direction);
  const key = String(field);
  const sign = direction === 'desc' ? -1 : 1;
  let kind: 'number' | 'string' | undefined;
  const keyed = list('sortBy', 1, v).map((item) => {
    const value = isPlainObject(item) || Array.isArray(item) ? ownMember(item, key) : undefined;
    if (isMissing(value)) return { item, value: undefined };
    if (typeof value !== 'number' && typeof value !== 'string') throw new FunctionArgumentError(`sortBy() sorts by numbers or strings, found ${describeValue(value)} in '${key}'`);
    if (kind !== undefined && typeof value !== kind) throw new FunctionArgumentError(`sortBy() cannot order ${kind}s and ${typeof value}s together in '${key}'`);
    kind = typeof value as 'number' | 'string';
    return { item, value };
  });
  keyed.sort((a, b) => {
    if (a.value === undefined || b.value === undefined) return (a.value === undefined ? 1 : 0) - (b.value === undefined ? 1 : 0);
    return a.value < b.value ? -sign : a.value > b.value ? sign : 0;
  });
  return keyed.map((k) => k.item);
}

const fixed = (arity: number, call: (args: unknown[]) => unknown): ExpressionFunction => ({ minArgs: arity, maxArgs: arity, call });

/** The whitelist, by name. A Map, so no name ever resolves to an inherited property. */
export const FUNCTIONS: ReadonlyMap<string, ExpressionFunction> = new Map<string, ExpressionFunction>([
  [
    'length',
    fixed(1, ([v]) => {
      if (isMissing(v)) return 0;
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (isPlainObject(v)) return Object.keys(v).length;
      return fail('length', 1, 'a list, a string or an object', v);
    }),
  ],
  ['flatten', fixed(1, ([v]) => list('flatten', 1, v).flatMap((item) => (Array.isArray(item) ? item : [item])))],
  [
    'concat',
    {
      minArgs: 1,
      maxArgs: Infinity,
      call: (args) => {
        if (args.every((a) => typeof a === 'string')) return args.join('');
        return args.flatMap((a) => (isMissing(a) ? [] : Array.isArray(a) ? a : [a]));
      },
    },
  ],
  ['keys', fixed(1, ([v]) => Object.keys(object('keys', 1, v)))],
  ['values', fixed(1, ([v]) => Object.values(object('values', 1, v)))],
  [
    'merge',
    {
      minArgs: 1,
      maxArgs: Infinity,
      // fromEntries defines own properties: a `__proto__` key in the data stays a plain key.
      call: (args) => Object.fromEntries(args.flatMap((a, i) => Object.entries(object('merge', i + 1, a)))),
    },
  ],
  ['sum', fixed(1, ([v]) => numbers('sum', v).reduce((a, b) => a + b, 0))],
  ['min', fixed(1, ([v]) => extreme(numbers('min', v), (a, b) => a < b))],
  ['max', fixed(1, ([v]) => extreme(numbers('max', v), (a, b) => a > b))],
  [
    'join',
    {
      minArgs: 1,
      maxArgs: 2,
      call: ([v, sep]) => {
        if (sep !== undefined && typeof sep !== 'string') fail('join', 2, 'a string', sep);
        return list('join', 1, v)
          .map((item) => (isMissing(item) ? '' : typeof item === 'object' ? JSON.stringify(toJsonValue(item)) : String(item)))
          .join(sep ?? ',');
      },
    },
  ],
  [
    'pluck',
    fixed(2, ([v, field]) => {
      if (typeof field !== 'string' && typeof field !== 'number') fail('pluck', 2, 'a field name', field);
      const key = String(field);
      return list('pluck', 1, v).map((item) => (isPlainObject(item) || Array.isArray(item) ? ownMember(item, key) : undefined));
    }),
  ],
  [
    'slice',
    {
      minArgs: 2,
      maxArgs: 3,
      call: ([v, start, end]) => {
        const from = integer('slice', 2, start);
        const to = end === undefined ? undefined : integer('slice', 3, end);
        if (typeof v === 'string') return v.slice(from, to);
        return list('slice', 1, v).slice(from, to);
      },
    },
  ],
  ['sortBy', { minArgs: 2, maxArgs: 3, call: ([v, field, direction]) => sortBy(v, field, direction) }],
  [
    'unique',
    fixed(1, ([v]) => {
      const seen = new Set<string>();
      return list('unique', 1, v).filter((item) => {
        const key = jsonKey(item);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }),
  ],
  ['default', fixed(2, ([v, fallback]) => (isMissing(v) ? fallback : v))],
  ['json', fixed(1, ([v]) => JSON.stringify(toJsonValue(v)))],
  ['lower', fixed(1, ([v]) => text('lower', v).toLowerCase())],
  ['upper', fixed(1, ([v]) => text('upper', v).toUpperCase())],
]);
