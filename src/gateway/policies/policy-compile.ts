import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { COUNTER_METRICS, COUNTER_SCOPES, COUNTER_WINDOWS, ENTITY_MODEL, type Attribute, type CounterMetric, type CounterScope, type CounterWindow, type PolicyEntities } from './entity-model.js';

export type { PolicyEntities } from './entity-model.js';
import { MAX_POLICY_CONDITION_LENGTH } from './policy-record.js';
import { CelFault, FALLBACK, fastPath } from './policy-fast-path.js';

/*
 * A policy's CEL condition, compiled once when the policy is written or
 * loaded, never per call (ADR 0073): parsed by @bufbuild/cel, checked
 * against the entity model (names, functions, a boolean result), and planned
 * into a function of the call's entities. What it reads of the session
 * counters is collected here, so a call fetches only the counters the
 * policies that apply to it read.
 */

/** A node of a parsed condition (the library's AST, cel.expr.Expr). */
type Expr = ReturnType<typeof parse>['expr'];

/** A condition refused: `message` says what, at `line` and `column` (1-based) of the condition's text. */
export class PolicySyntaxError extends Error {
  override name = 'PolicySyntaxError';
  readonly line: number;
  readonly column: number;
  readonly reason: string;
  constructor(reason: string, line: number, column: number) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.reason = reason;
    this.line = line;
    this.column = column;
  }
}

/** A session counter a condition reads: `context.<metric>.<scope>.<window>`. */
export interface CounterRef {
  metric: CounterMetric;
  scope: CounterScope;
  window: CounterWindow;
}


/** A checked condition: `test` never throws; an evaluation error (a missing field, a division by zero) is returned, and the policy does not apply. */
export interface CompiledCondition {
  readonly source: string;
  readonly counters: readonly CounterRef[];
  /** It reads `context.time`: only then is the time made a timestamp for the call. */
  readonly readsTime: boolean;
  test(entities: PolicyEntities): boolean | Error;
}

/**
 * The functions and operators a condition may call: CEL's standard
 * definitions. Anything else would only fail at evaluation (the planner
 * binds functions lazily), so it is refused on write.
 */
const FUNCTIONS: ReadonlySet<string> = new Set([
  '_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', '_&&_', '_||_', '!_', '-_', '_+_', '_-_', '_*_', '_/_', '_%_', '_[_]', '_?_:_', '@in',
  '@not_strictly_false', 'not_strictly_false',
  'size', 'contains', 'startsWith', 'endsWith', 'matches',
  'int', 'uint', 'double', 'string', 'bool', 'bytes', 'dyn', 'type', 'timestamp', 'duration',
  'getFullYear', 'getMonth', 'getDayOfYear', 'getDayOfMonth', 'getDate', 'getDayOfWeek', 'getHours', 'getMinutes', 'getSeconds', 'getMilliseconds',
]);

/** Functions whose result is a boolean: what a condition's outermost expression must be (or a comprehension, or a bool attribute). */
const BOOLEAN_FUNCTIONS: ReadonlySet<string> = new Set(['_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', '_&&_', '_||_', '!_', '@in', 'contains', 'startsWith', 'endsWith', 'matches', 'bool', '@not_strictly_false', 'not_strictly_false', '_?_:_']);

/** CEL's type names, which a condition may name (`type(context.input) == string`). */
const TYPE_NAMES: ReadonlySet<string> = new Set(['bool', 'int', 'uint', 'double', 'string', 'bytes', 'list', 'map', 'null_type', 'type']);

const env = celEnv({});

/**
 * Compiles a condition; throws {@link PolicySyntaxError} with the line and
 * column of the fault. `fastPath: false` evaluates with the library alone
 * (what the fast path is tested against).
 *
 * @example
 * compileCondition('resource.price > 50.0 && !("finance" in principal.scopes)').counters; // []
 */
export function compileCondition(source: string, options: { fastPath?: boolean } = {}): CompiledCondition {
  if (source.length > MAX_POLICY_CONDITION_LENGTH) throw new PolicySyntaxError(`a condition is at most ${MAX_POLICY_CONDITION_LENGTH} characters`, 1, 1);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (err) {
    throw syntaxErrorOf(err, source);
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  const at = (expr: Expr, reason: string): PolicySyntaxError => {
    const { line, column } = lineAndColumn(source, positions[String(expr.id)] ?? 0);
    return new PolicySyntaxError(reason, line, column);
  };
  const counters: CounterRef[] = [];
  checkExpr(parsed.expr, new Set(), at, counters);
  // A word test, conservative: the word `time` anywhere (a string literal too), or `context` read other than by a member name.
  const readsTime = /\btime\b|\bcontext\b\s*[^.\s]|\bcontext\s*$/.test(source);
  if (!mayBeBoolean(parsed.expr)) throw at(parsed.expr, 'a condition must be true or false: a comparison, a test (in, has, contains, …) or a boolean attribute');
  const run = plan(env, parsed);
  const fast = options.fastPath === false ? undefined : fastPath(parsed.expr);
  const library = (entities: PolicyEntities): boolean | Error => {
      let result: unknown;
      try {
        result = run(entities as never);
      } catch (err) {
        // The planner reports errors as values; a throw is a bug of the library, kept from failing the call.
        return err instanceof Error ? err : new Error(String(err));
      }
      if (isCelError(result)) return new Error(result.message);
      if (typeof result !== 'boolean') return new Error(`the condition gave ${typeof result}, not a boolean`);
      return result;
  };
  return {
    source,
    counters: dedupe(counters),
    readsTime,
    test: fast === undefined ? library : (entities) => {
      const result = fast(entities);
      if (typeof result === 'boolean') return result;
      if (result === FALLBACK) return library(entities);
      if (result instanceof CelFault) return new Error(result.message);
      return new Error(`the condition gave ${typeof result}, not a boolean`);
    },
  };
}

/** The library's parse error (`<input>:line:col: message`), as a PolicySyntaxError. */
function syntaxErrorOf(err: unknown, source: string): PolicySyntaxError {
  const message = err instanceof Error ? err.message : String(err);
  const m = /^<input>:(\d+):(\d+): ([\s\S]*)$/.exec(message);
  if (m !== null) return new PolicySyntaxError(m[3]!, Number(m[1]), Number(m[2]));
  const location = (err as { location?: { start?: { line?: number; column?: number } } }).location?.start;
  if (location?.line !== undefined && location.column !== undefined) return new PolicySyntaxError(message, location.line, location.column);
  return new PolicySyntaxError(message, 1, Math.min(source.length, 1));
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

type At = (expr: Expr, reason: string) => PolicySyntaxError;

function checkExpr(expr: Expr, bound: ReadonlySet<string>, at: At, counters: CounterRef[]): void {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'constExpr':
      return;
    case 'identExpr': {
      const name = kind.value.name;
      if (bound.has(name) || TYPE_NAMES.has(name)) return;
      if (ENTITY_MODEL[name] === undefined) throw at(expr, `unknown name ${name}; a condition reads ${Object.keys(ENTITY_MODEL).join(', ')}`);
      return;
    }
    case 'selectExpr':
      checkPath(expr, bound, at, counters);
      return;
    case 'callExpr': {
      const call = kind.value;
      if (!FUNCTIONS.has(call.function)) throw at(expr, `unknown function ${call.function}`);
      if (call.target !== undefined) checkExpr(call.target, bound, at, counters);
      for (const arg of call.args) checkExpr(arg, bound, at, counters);
      return;
    }
    case 'listExpr':
      for (const e of kind.value.elements) checkExpr(e, bound, at, counters);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') checkExpr(entry.keyKind.value, bound, at, counters);
        if (entry.value !== undefined) checkExpr(entry.value, bound, at, counters);
      }
      if (kind.value.messageName !== '') throw at(expr, `messages (${kind.value.messageName}) are not part of the entity model`);
      return;
    case 'comprehensionExpr': {
      const c = kind.value;
      if (c.iterRange !== undefined) checkExpr(c.iterRange, bound, at, counters);
      if (c.accuInit !== undefined) checkExpr(c.accuInit, bound, at, counters);
      const inner = new Set(bound);
      inner.add(c.iterVar);
      if (c.iterVar2 !== '') inner.add(c.iterVar2);
      inner.add(c.accuVar);
      for (const e of [c.loopCondition, c.loopStep, c.result]) if (e !== undefined) checkExpr(e, inner, at, counters);
      return;
    }
    default:
      throw at(expr, 'an empty expression');
  }
}

/**
 * A member read `a.b.c`: walked down to its root; a path rooted at an entity
 * must name attributes the model declares until it reaches `dyn` (the input)
 * or a scalar (reading into a scalar is refused).
 */
function checkPath(expr: Expr, bound: ReadonlySet<string>, at: At, counters: CounterRef[]): void {
  const fields: Array<{ field: string; expr: Expr }> = [];
  let node: Expr = expr;
  while (node.exprKind.case === 'selectExpr') {
    fields.unshift({ field: node.exprKind.value.field, expr: node });
    const operand = node.exprKind.value.operand;
    if (operand === undefined) throw at(node, 'a member read without an operand');
    node = operand;
  }
  if (node.exprKind.case !== 'identExpr' || bound.has(node.exprKind.value.name)) {
    checkExpr(node, bound, at, counters);
    return;
  }
  const root = node.exprKind.value.name;
  let attribute: Attribute | undefined = ENTITY_MODEL[root];
  if (attribute === undefined) throw at(node, `unknown name ${root}; a condition reads ${Object.keys(ENTITY_MODEL).join(', ')}`);
  const path = [root];
  for (const { field, expr: at_ } of fields) {
    if (attribute === 'dyn') break;
    if (typeof attribute === 'string') throw at(at_, `${path.join('.')} is a ${attribute}: it has no attribute ${field}`);
    const next: Attribute | undefined = attribute[field];
    if (next === undefined) throw at(at_, `${path.join('.')} has no attribute ${field}; it has ${Object.keys(attribute).join(', ')}`);
    path.push(field);
    attribute = next;
  }
  const [, metric, scope, window] = path;
  if (root === 'context' && isOneOf(COUNTER_METRICS, metric) && isOneOf(COUNTER_SCOPES, scope) && isOneOf(COUNTER_WINDOWS, window)) {
    counters.push({ metric, scope, window });
  } else if (root === 'context' && isOneOf(COUNTER_METRICS, metric) && typeof attribute !== 'string') {
    throw at(expr, `a counter is read whole: context.${path[1]}.<${COUNTER_SCOPES.join('|')}>.<${COUNTER_WINDOWS.join('|')}>`);
  }
}

/** Whether the outermost expression can be a boolean: anything else is refused on write. */
function mayBeBoolean(expr: Expr): boolean {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'constExpr':
      return kind.value.constantKind.case === 'boolValue';
    case 'callExpr':
      return BOOLEAN_FUNCTIONS.has(kind.value.function) || kind.value.function === '_[_]';
    case 'comprehensionExpr':
      return true;
    case 'selectExpr':
      return kind.value.testOnly || leafOf(expr) === 'bool' || leafOf(expr) === 'dyn';
    case 'identExpr':
      return false;
    default:
      return false;
  }
}

/** The declared kind a member read ends at, when it is rooted at an entity. */
function leafOf(expr: Expr): Attribute | undefined {
  const fields: string[] = [];
  let node: Expr = expr;
  while (node.exprKind.case === 'selectExpr') {
    fields.unshift(node.exprKind.value.field);
    if (node.exprKind.value.operand === undefined) return undefined;
    node = node.exprKind.value.operand;
  }
  if (node.exprKind.case !== 'identExpr') return 'dyn';
  let attribute: Attribute | undefined = ENTITY_MODEL[node.exprKind.value.name];
  for (const f of fields) {
    if (attribute === undefined || attribute === 'dyn') return attribute;
    if (typeof attribute === 'string') return undefined;
    attribute = attribute[f];
  }
  return attribute;
}

/** Whether `value` is one of `names` (narrowing it to their type). */
function isOneOf<T extends string>(names: readonly T[], value: string | undefined): value is T {
  return value !== undefined && names.some((n) => n === value);
}

function dedupe(refs: CounterRef[]): CounterRef[] {
  const seen = new Map<string, CounterRef>();
  for (const r of refs) seen.set(`${r.metric}.${r.scope}.${r.window}`, r);
  return [...seen.values()];
}
