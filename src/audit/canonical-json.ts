import { Errors, isRecord } from '../protocol/index.js';

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
 *
 * The walk is iterative: a body nested a hundred thousand levels deep (which
 * `JSON.parse` accepts) hashes instead of overflowing the stack.
 */
export function canonicalJson(value: unknown): string {
  // Most values hashed are what JSON.parse made (an A2A message): written in one recursive pass.
  const plain = plainJson(value, 0);
  if (plain !== undefined) return plain;
  const parts: string[] = [];
  writeCanonical(value, STRICT, (chunk) => {
    parts.push(chunk);
    return true;
  });
  return parts.join('');
}

/** Deepest nesting {@link plainJson} writes itself; deeper values take the iterative walk. */
const PLAIN_DEPTH = 32;

/**
 * The canonical JSON of a value made only of plain objects, arrays, strings,
 * finite or non-finite numbers, booleans and null (what `JSON.parse`
 * returns), in one recursive pass; undefined as soon as anything else shows
 * up (a `toJSON`, a class instance, a boxed primitive, undefined, a function,
 * a symbol, a BigInt, an array hole, nesting deeper than {@link PLAIN_DEPTH},
 * hence any cycle), and the general walk writes it instead. Its text is the
 * walk's, byte for byte (a property test compares them): keys sorted in
 * code-unit order (`Array.prototype.sort`'s default), strings and numbers as
 * `JSON.stringify` writes them, under `policy`'s `text` and `redact` (a key
 * `text` would change hands the value over to the walk). It costs a few
 * times less than the walk, which the gateway pays on every call (docs/perf-journal/gateway-and-fleet-2026-11-22-to-25.md, "Where the gateway's CPU goes").
 */
export function plainJson(value: unknown, depth: number, policy: CanonicalPolicy = STRICT): string | undefined {
  switch (typeof value) {
    case 'string':
      return quoted(policy.text === undefined ? value : policy.text(value));
    case 'number':
      // As JSON.stringify writes a number: its String for a finite one (-0 as 0), null otherwise.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (depth >= PLAIN_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return undefined;
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item = plainJson(value[i], depth + 1, policy);
      if (item === undefined) return undefined;
      out += i > 0 ? `,${item}` : item;
    }
    return `${out}]`;
  }
  if ((proto !== Object.prototype && proto !== null) || !isRecord(value)) return undefined;
  const object = value;
  const keys = sortedKeys(object);
  const known = keysOf(policy);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const head = known.get(key) ?? keyHead(known, key, policy);
    // A key the policy rewrites could collide with another: the walk settles that.
    if (head === REWRITTEN) return undefined;
    const redacted = head.charCodeAt(0) === REDACT_MARK;
    const item = redacted ? '"[redacted]"' : plainJson(object[key], depth + 1, policy);
    if (item === undefined) return undefined;
    out += `${i > 0 ? ',' : ''}${redacted ? head.slice(1) : head}${item}`;
  }
  return `${out}}`;
}

/** Longest string {@link quoted} scans itself; a longer one goes to `JSON.stringify` at once. */
const SHORT_STRING = 256;

/**
 * `JSON.stringify(value)` for a string: a short one that holds nothing it
 * escapes (a control character, `"`, `\\`, a surrogate, paired or not)
 * written between quotes here, without the runtime call, which costs more
 * than the scan for the few short values of a message or a detail.
 */
function quoted(value: string): string {
  if (value.length > SHORT_STRING) return JSON.stringify(value);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
}

/**
 * `Object.keys(object)` in code-unit order: `Array.prototype.sort`'s default
 * order for strings, which a few keys (an A2A message, an audit detail)
 * reach sooner by insertion than through the builtin's comparator calls.
 */
function sortedKeys(object: Record<string, unknown>): string[] {
  const keys = Object.keys(object);
  if (keys.length > 12) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** A key the policy's `text` changes: the walk writes its object. */
const REWRITTEN = '';
/** First code unit of a head whose member is redacted (a head otherwise starts with `"`). */
const REDACT_MARK = 0x21;
/** Keys remembered per policy; past it a key is worked out each time (a client's message may hold any keys). */
const MAX_KNOWN_KEYS = 2048;
const knownKeys = new WeakMap<CanonicalPolicy, Map<string, string>>();

/** What each key seen under `policy` is written as: `"key":`, `!"key":` when redacted, {@link REWRITTEN} when `text` changes it. */
function keysOf(policy: CanonicalPolicy): Map<string, string> {
  let known = knownKeys.get(policy);
  if (known === undefined) {
    known = new Map();
    knownKeys.set(policy, known);
  }
  return known;
}

/** The head of a member named `key` (see {@link keysOf}), remembered while there is room: each is a pure function of the key and the policy. */
function keyHead(known: Map<string, string>, key: string, policy: CanonicalPolicy): string {
  let head: string;
  if (policy.text !== undefined && policy.text(key) !== key) head = REWRITTEN;
  else head = `${policy.redact?.(key) === true ? '!' : ''}${JSON.stringify(key)}:`;
  if (known.size < MAX_KNOWN_KEYS) known.set(key, head);
  return head;
}

/** How {@link writeCanonical} treats what plain JSON cannot hold. */
export interface CanonicalPolicy {
  /** Applied to every string and every key before it is written (and before keys are sorted). */
  text?: (value: string) => string;
  /** Whether the member `key` of an object is written as `"[redacted]"` (its value is not read). */
  redact?: (key: string) => boolean;
  /** A BigInt or a cycle: throw `AM_ERR_AUDIT_INVALID_ARGUMENT` (`throw`), or write a marker string (`mark`). */
  unrepresentable: 'throw' | 'mark';
}

/** What {@link writeCanonical} saw. */
export interface CanonicalWalk {
  /** Deepest nesting of arrays and objects (a scalar is depth 0, `{}` depth 1). */
  depth: number;
  /** False when the sink asked to stop before the value was fully written. */
  complete: boolean;
}

/** `hashInput()`'s policy: exact strings, errors for what JSON cannot hold. */
const STRICT: CanonicalPolicy = { unrepresentable: 'throw' };

/** Something left to write: a value (with its nesting depth), text, or the end of a container. */
type Step = { kind: 'value'; value: unknown; depth: number } | { kind: 'text'; text: string } | { kind: 'close'; container: object; text: string };

/**
 * Writes the canonical JSON of `value` to `sink` in chunks, without recursion
 * (so any depth works) and without building the whole text (so a caller can
 * hash a large value, or stop early: `sink` returns false to stop).
 */
export function writeCanonical(value: unknown, policy: CanonicalPolicy, sink: (chunk: string) => boolean): CanonicalWalk {
  const ancestors = new Set<object>();
  const stack: Step[] = [];
  let depth = 0;
  const top = resolve(value, '', policy);
  if (top === DROPPED) {
    // undefined, a function or a symbol at the top level: JSON.stringify gives undefined, the hash needs text.
    return { depth, complete: sink('null') };
  }
  stack.push({ kind: 'value', value: top, depth: 0 });
  while (stack.length > 0) {
    const step = stack.pop()!;
    if (step.kind === 'text') {
      if (!sink(step.text)) return { depth, complete: false };
      continue;
    }
    if (step.kind === 'close') {
      ancestors.delete(step.container);
      if (!sink(step.text)) return { depth, complete: false };
      continue;
    }
    const item = step.value;
    if (item === null || typeof item !== 'object') {
      if (!sink(scalar(item, policy.text))) return { depth, complete: false };
      continue;
    }
    if (ancestors.has(item)) {
      if (policy.unrepresentable === 'throw') throw Errors.auditCircularValue({});
      if (!sink('"[circular]"')) return { depth, complete: false };
      continue;
    }
    const level = step.depth + 1;
    if (level > depth) depth = level;
    ancestors.add(item);
    // Scalars are written into the container's text as it is built; only nested
    // containers become steps. The steps are pushed in reverse: the stack pops them in order.
    const steps: Step[] = [];
    let out: string;
    if (Array.isArray(item)) {
      const array = item as unknown[];
      out = '[';
      for (let i = 0; i < array.length; i++) {
        if (i > 0) out += ',';
        const child = resolve(array[i], String(i), policy);
        out = member(child === DROPPED ? null : child, out, level, steps, policy);
      }
      out += ']';
    } else {
      // Not an array, not null: an object, whose members isRecord lets us read by name.
      const members = isRecord(item) ? objectMembers(item, policy) : [];
      out = '{';
      for (let i = 0; i < members.length; i += 2) {
        out += i > 0 ? `,${JSON.stringify(members[i])}:` : `${JSON.stringify(members[i])}:`;
        out = member(members[i + 1], out, level, steps, policy);
      }
      out += '}';
    }
    stack.push({ kind: 'close', container: item, text: out });
    for (let i = steps.length - 1; i >= 0; i--) stack.push(steps[i]!);
  }
  return { depth, complete: true };
}

/** Text is handed to the sink in pieces of about this many code units at most (so a sink can stop early). */
const PIECE = 64 * 1024;

/**
 * Appends a member's value to its container's `text`: a scalar in place; a
 * container as a step, after a step for the text so far. Returns the text
 * that follows.
 */
function member(value: unknown, text: string, level: number, steps: Step[], policy: CanonicalPolicy): string {
  if (value === null || typeof value !== 'object') {
    const out = text + scalar(value, policy.text);
    if (out.length < PIECE) return out;
    steps.push({ kind: 'text', text: out });
    return '';
  }
  if (text !== '') steps.push({ kind: 'text', text });
  steps.push({ kind: 'value', value, depth: level });
  return '';
}

/** Marks a member JSON.stringify leaves out (undefined, function, symbol). */
const DROPPED = Symbol('dropped');

/** The value JSON.stringify would write for `value` under `key`: toJSON applied, boxed primitives unboxed. */
function resolve(value: unknown, key: string, policy: CanonicalPolicy): unknown {
  let out = value;
  if (out !== null && (typeof out === 'object' || typeof out === 'bigint')) {
    const toJSON = (out as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') out = (toJSON as (key: string) => unknown).call(out, key);
  }
  if (out instanceof Number || out instanceof String || out instanceof Boolean) out = out.valueOf();
  if (out === undefined || typeof out === 'function' || typeof out === 'symbol') return DROPPED;
  if (typeof out === 'bigint') {
    if (policy.unrepresentable === 'throw') throw Errors.auditBigInt({});
    return out.toString();
  }
  return out;
}

/**
 * The members of an object to write, as a flat [key, value, key, value…]
 * list sorted by (normalized) key. Keys are read with `Object.keys`, so a key
 * named `__proto__` or `constructor` is an ordinary own member, never the
 * prototype. When normalizing makes two keys equal (two different lone
 * surrogates both become U+FFFD), the first in code-unit order is kept.
 */
function objectMembers(object: Record<string, unknown>, policy: CanonicalPolicy): unknown[] {
  const keys = Object.keys(object);
  const text = policy.text;
  // Usually every key is already what `text` makes of it: then the keys themselves are the order.
  let names: string[] | undefined;
  if (text !== undefined) {
    for (let i = 0; i < keys.length; i++) {
      const name = text(keys[i]!);
      if (name !== keys[i]) {
        names ??= keys.slice();
        names[i] = name;
      }
    }
  }
  let order: number[] | string[];
  if (names === undefined) {
    order = keys.sort();
  } else {
    const normalized = names;
    order = keys.map((_, i) => i).sort((a, b) => compare(normalized[a]!, normalized[b]!) || compare(keys[a]!, keys[b]!));
  }
  const out: unknown[] = [];
  let previous: string | undefined;
  for (const entry of order) {
    const key = typeof entry === 'number' ? keys[entry]! : entry;
    const name = typeof entry === 'number' ? names![entry]! : entry;
    if (name === previous) continue;
    let item: unknown;
    if (policy.redact?.(name) === true) item = '[redacted]';
    else {
      item = resolve(object[key], key, policy);
      if (item === DROPPED) continue;
    }
    previous = name;
    out.push(name, item);
  }
  return out;
}

/** UTF-16 code-unit order, JCS's. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function scalar(value: unknown, text: ((value: string) => string) | undefined): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(text === undefined ? value : text(value));
    case 'number':
    case 'boolean':
      // NaN and ±Infinity become null, -0 becomes 0, as JSON.stringify writes them.
      return JSON.stringify(value);
    default:
      return 'null';
  }
}
