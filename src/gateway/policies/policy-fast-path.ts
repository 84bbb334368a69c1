import type { parse } from '@bufbuild/cel';
import type { PolicyEntities } from './entity-model.js';

/*
 * The common shapes of a condition (comparisons, `&&`, `||`, `!`, `in`,
 * member reads, `has`, `size`, `startsWith`, `endsWith`, `contains`,
 * `?:`, indexing, list literals) compiled into JavaScript closures, because
 * @bufbuild/cel's planned evaluation costs a few microseconds an expression
 * and a call may be decided over ten (ADR 0073, "What it costs"). Semantics
 * are CEL's, as @bufbuild/cel evaluates them: numbers compare across int
 * and double, scalars of different types are not equal, a missing field is
 * an error that `false &&` and `true ||` absorb. Anything else (a
 * comprehension, a timestamp, a list compared with a list, a function
 * outside those) is not guessed at: a condition that uses it is planned by
 * the library alone, and a value met at run time that the closures do not
 * handle (FALLBACK) sends that one evaluation to the library. The
 * differential property test holds the two to the same answers.
 */

type Expr = ReturnType<typeof parse>['expr'];

/** An evaluation error, as CEL's: absorbed by `false &&` and `true ||`, else the condition's result. */
export class CelFault {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** A CEL type as a value (`type(x)`, or a type's name such as `string`): equal to the same type only. */
class TypeToken {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

const TYPE_TOKENS: ReadonlyMap<string, TypeToken> = new Map(['bool', 'int', 'uint', 'double', 'string', 'bytes', 'list', 'map', 'null_type', 'type'].map((n) => [n, new TypeToken(n)]));

/** The type of a value the entities hold, or undefined for one the closures leave to the library (a message). */
function typeOf(v: Value): TypeToken | undefined {
  if (typeof v === 'string') return TYPE_TOKENS.get('string');
  if (typeof v === 'bigint') return TYPE_TOKENS.get('int');
  if (typeof v === 'number') return TYPE_TOKENS.get('double');
  if (typeof v === 'boolean') return TYPE_TOKENS.get('bool');
  if (v === null) return TYPE_TOKENS.get('null_type');
  if (Array.isArray(v)) return TYPE_TOKENS.get('list');
  if (isMap(v)) return TYPE_TOKENS.get('map');
  return undefined;
}

/** A value the closures do not handle: the whole condition is evaluated by the library instead, for this call. */
export const FALLBACK: unique symbol = Symbol('fallback to @bufbuild/cel');

type Value = unknown;
type Closure = (e: PolicyEntities) => Value;

/** The condition as closures, or undefined when it uses what they do not cover (the library plans it alone). */
export function fastPath(expr: Expr): Closure | undefined {
  try {
    return compile(expr);
  } catch (err) {
    if (err === UNSUPPORTED) return undefined;
    throw err;
  }
}

const UNSUPPORTED = Symbol('unsupported');

function compile(expr: Expr): Closure {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'constExpr': {
      const c = kind.value.constantKind;
      switch (c.case) {
        case 'boolValue':
        case 'stringValue':
        case 'doubleValue':
        case 'int64Value': {
          const value = c.value;
          return () => value;
        }
        case 'nullValue':
          return () => null;
        default:
          throw UNSUPPORTED;
      }
    }
    case 'identExpr': {
      const name = kind.value.name;
      if (name === 'principal') return (e) => e.principal;
      if (name === 'action') return (e) => e.action;
      if (name === 'resource') return (e) => e.resource;
      if (name === 'context') return (e) => e.context;
      const token = TYPE_TOKENS.get(name);
      if (token !== undefined) return () => token;
      throw UNSUPPORTED;
    }
    case 'selectExpr': {
      const operand = kind.value.operand;
      if (operand === undefined) throw UNSUPPORTED;
      const of = compile(operand);
      const field = kind.value.field;
      if (kind.value.testOnly) {
        return (e) => {
          const o = of(e);
          if (isFault(o)) return o;
          // A field holding null reads as absent to the library in some places: those go to it.
          return isMap(o) ? (Object.hasOwn(o, field) ? (o[field] === null ? FALLBACK : true) : false) : FALLBACK;
        };
      }
      return (e) => {
        const o = of(e);
        if (isFault(o)) return o;
        if (isMap(o)) return Object.hasOwn(o, field) ? (o[field] === null ? FALLBACK : o[field]) : new CelFault(`field not found: ${field}`);
        return o === null || typeof o !== 'object' || Array.isArray(o) ? new CelFault(`field not found: ${field}`) : FALLBACK;
      };
    }
    case 'listExpr': {
      const elements = kind.value.elements.map(compile);
      if (kind.value.optionalIndices.length > 0) throw UNSUPPORTED;
      return (e) => {
        const out: Value[] = [];
        for (const el of elements) {
          const v = el(e);
          if (isFault(v)) return v;
          out.push(v);
        }
        return out;
      };
    }
    case 'callExpr':
      return call(kind.value.function, kind.value.target, kind.value.args);
    default:
      throw UNSUPPORTED;
  }
}

function call(fn: string, target: Expr | undefined, args: readonly Expr[]): Closure {
  const a = args.map(compile);
  const t = target === undefined ? undefined : compile(target);
  if (t === undefined) {
    switch (fn) {
      case '_&&_':
        return and(a[0]!, a[1]!);
      case '_||_':
        return or(a[0]!, a[1]!);
      case '!_': {
        const x = a[0]!;
        return (e) => {
          const v = x(e);
          if (typeof v === 'boolean') return !v;
          return isFault(v) ? v : new CelFault("no matching overload for '!_'");
        };
      }
      case '_==_':
      case '_!=_': {
        const [x, y] = [a[0]!, a[1]!];
        const negate = fn === '_!=_';
        return operands(x, y, (l, r) => {
          const eq = equal(l, r);
          return eq === FALLBACK || !negate ? eq : !eq;
        });
      }
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_': {
        const [x, y] = [a[0]!, a[1]!];
        return operands(x, y, (l, r) => {
          const c = compare(l, r, fn);
          if (c === FALLBACK || c instanceof CelFault) return c;
          return fn === '_<_' ? c < 0 : fn === '_<=_' ? c <= 0 : fn === '_>_' ? c > 0 : c >= 0;
        });
      }
      case '@in': {
        const [x, y] = [a[0]!, a[1]!];
        return operands(x, y, contained);
      }
      case 'size':
        if (a.length !== 1) throw UNSUPPORTED;
        return sizeOf(a[0]!);
      case 'type': {
        if (a.length !== 1) throw UNSUPPORTED;
        const x = a[0]!;
        return (e) => {
          const v = x(e);
          if (isFault(v)) return v;
          return typeOf(v) ?? FALLBACK;
        };
      }
      case '_?_:_': {
        const [c, x, y] = [a[0]!, a[1]!, a[2]!];
        return (e) => {
          const v = c(e);
          if (v === true) return x(e);
          if (v === false) return y(e);
          return isFault(v) ? v : new CelFault("no matching overload for '_?_:_'");
        };
      }
      case '_[_]': {
        const [x, y] = [a[0]!, a[1]!];
        return (e) => {
          const o = x(e);
          if (isFault(o)) return o;
          const k = y(e);
          if (isFault(k)) return k;
          if (Array.isArray(o) && typeof k === 'bigint') return k >= 0n && k < BigInt(o.length) ? o[Number(k)] : new CelFault(`index ${k} out of bounds`);
          if (isMap(o) && typeof k === 'string') return Object.hasOwn(o, k) ? (o[k] === null ? FALLBACK : o[k]) : new CelFault(`no such key: ${k}`);
          return FALLBACK;
        };
      }
      default:
        throw UNSUPPORTED;
    }
  }
  if (fn === 'size' && a.length === 0) return sizeOf(t);
  if ((fn === 'startsWith' || fn === 'endsWith' || fn === 'contains') && a.length === 1) {
    const y = a[0]!;
    return (e) => {
      const s = t(e);
      if (isFault(s)) return s;
      const p = y(e);
      if (isFault(p)) return p;
      if (typeof s !== 'string' || typeof p !== 'string') return isPlainScalar(s) && isPlainScalar(p) ? new CelFault(`no matching overload for '${fn}'`) : FALLBACK;
      return fn === 'startsWith' ? s.startsWith(p) : fn === 'endsWith' ? s.endsWith(p) : s.includes(p);
    };
  }
  throw UNSUPPORTED;
}

/**
 * CEL's `&&` and `||`, commutative as the spec has them: a side equal to the operator's absorbing value
 * (false for `&&`, true for `||`) decides whatever the other side is, even an error.
 */
function logical(x: Closure, y: Closure, absorbing: boolean, operator: string): Closure {
  return (e) => {
    const l = x(e);
    if (l === absorbing) return absorbing;
    const r = y(e);
    if (r === absorbing) return absorbing;
    if (l === !absorbing && r === !absorbing) return !absorbing;
    if (l === FALLBACK || r === FALLBACK) return FALLBACK;
    return l instanceof CelFault ? l : r instanceof CelFault ? r : new CelFault(`no matching overload for '${operator}'`);
  };
}

function and(x: Closure, y: Closure): Closure {
  return logical(x, y, false, '_&&_');
}

function or(x: Closure, y: Closure): Closure {
  return logical(x, y, true, '_||_');
}

function sizeOf(x: Closure): Closure {
  return (e) => {
    const v = x(e);
    if (isFault(v)) return v;
    if (typeof v === 'string') {
      let n = 0;
      for (const _ of v) n++;
      return BigInt(n);
    }
    if (Array.isArray(v)) return BigInt(v.length);
    if (isMap(v)) return BigInt(Object.keys(v).length);
    return isPlainScalar(v) ? new CelFault("no matching overload for 'size'") : FALLBACK;
  };
}

/** A fault or a fallback: what a closure passes up unchanged. */
/** Both operands evaluated left to right, a fault (or a hand-over to the library) of either answered as it is. */
function operands(x: Closure, y: Closure, apply: (l: Value, r: Value) => Value): Closure {
  return (e) => {
    const l = x(e);
    if (isFault(l)) return l;
    const r = y(e);
    if (isFault(r)) return r;
    return apply(l, r);
  };
}

function isFault(v: Value): v is CelFault | typeof FALLBACK {
  return v === FALLBACK || v instanceof CelFault;
}

/** A CEL map as the entities hold one: a plain object, as JSON.parse makes them (a protobuf message, such as the time, is not; anything else goes to the library). */
function isMap(v: Value): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, '$typeName');
}

function isPlainScalar(v: Value): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
}

/** CEL's equality over scalars; lists, maps and messages go to the library. */
function equal(l: Value, r: Value): boolean | typeof FALLBACK {
  if (l instanceof TypeToken || r instanceof TypeToken) return l instanceof TypeToken && r instanceof TypeToken ? l === r : FALLBACK;
  if (l === null || r === null) return l === r ? true : (isPlainScalar(l) && isPlainScalar(r)) || l === null || r === null ? false : FALLBACK;
  if (isNumeric(l) && isNumeric(r)) {
    // Loose equality on purpose: a bigint and a number compare by value, as CEL's int and double do.
    return l == r;
  }
  if (typeof l === 'object' || typeof r === 'object') return FALLBACK;
  return l === r;
}

/** The order of two values (negative, 0, positive), or the fault CEL gives for two it cannot order. */
function compare(l: Value, r: Value, fn: string): number | CelFault | typeof FALLBACK {
  if (isNumeric(l) && isNumeric(r)) {
    if (Number.isNaN(l) || Number.isNaN(r)) return FALLBACK;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  if (typeof l === 'string' && typeof r === 'string') {
    // UTF-16 order is code point order unless a surrogate pair meets a character above it: those go to the library.
    if (/[\uD800-\uDFFF]/.test(l) || /[\uD800-\uDFFF]/.test(r)) return FALLBACK;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  if (typeof l === 'boolean' && typeof r === 'boolean') return Number(l) - Number(r);
  return isPlainScalar(l) && isPlainScalar(r) ? new CelFault(`no matching overload for '${fn}'`) : FALLBACK;
}

function isNumeric(v: Value): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

function contained(x: Value, coll: Value): Value {
  if (Array.isArray(coll)) {
    let unsure = false;
    for (const el of coll) {
      const eq = equal(x, el);
      if (eq === true) return true;
      if (eq === FALLBACK) unsure = true;
    }
    return unsure ? FALLBACK : false;
  }
  if (isMap(coll)) return typeof x === 'string' ? (Object.hasOwn(coll, x) ? (coll[x] === null ? FALLBACK : true) : false) : FALLBACK;
  return isPlainScalar(coll) ? new CelFault("no matching overload for '@in'") : FALLBACK;
}
