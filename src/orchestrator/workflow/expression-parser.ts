import jsep from 'jsep';
import jsepObject, { type ObjectExpression, type Property } from '@jsep-plugin/object';
import { FUNCTIONS } from './expression-functions.js';
import { FORBIDDEN_KEYS } from './expression-values.js';
import { errorMessage, oneOf } from '../../protocol/index.js';
import { SourceSyntaxError } from './source-syntax-error.js';

/*
 * Parses one expression with jsep (plus its object-literal plugin) and
 * checks the tree before anything runs it, enforcing:
 * - names resolve only from the scope (`inputs`, `steps`, `item`, `batch`,
 *   `index`, `run`) or, when called, from the function whitelist;
 * - only whitelisted functions are called, by bare name, with their arity
 *   (no methods: `x.toString()` is refused);
 * - no `__proto__`, `constructor` or `prototype`, read or written;
 * - only the operators the evaluator implements (no bitwise, no `this`, no
 *   several expressions in one `{{ }}`).
 * What passes is what `expression-evaluator.ts` knows how to run; nothing is
 * ever handed to eval or Function.
 */

jsep.plugins.register(jsepObject);

export type ScopeRoot = (typeof SCOPE_ROOTS)[number];
const SCOPE_ROOTS = ['inputs', 'steps', 'item', 'batch', 'index', 'run'] as const;

export const BINARY_OPERATORS: ReadonlySet<string> = new Set(['+', '-', '*', '/', '%', '<', '>', '<=', '>=', '==', '!=', '===', '!==', '&&', '||', '??']);
export const UNARY_OPERATORS: ReadonlySet<string> = new Set(['-', '+', '!']);

/** Longest expression accepted: bounds parse time and recursion depth. */
export const MAX_EXPRESSION_LENGTH = 4096;

/** A read of the scope: `inputs.x` is `{ root: 'inputs', name: 'x' }`; `steps[dynamic]` has no name. */
export interface ExpressionReference {
  root: ScopeRoot;
  name?: string;
}

export interface ParsedExpression {
  source: string;
  ast: jsep.Expression;
  references: readonly ExpressionReference[];
}

/** A syntax or static error; `offset` is where in the expression text it was found (0 when unknown). */
export class ExpressionSyntaxError extends SourceSyntaxError {
  override readonly name = 'ExpressionSyntaxError';
}

export function parseExpression(source: string): ParsedExpression {
  if (source.length > MAX_EXPRESSION_LENGTH) throw new ExpressionSyntaxError(`expression is longer than ${MAX_EXPRESSION_LENGTH} characters`, 0);
  let ast: jsep.Expression;
  try {
    ast = jsep(source);
  } catch (err) {
    const { description, index } = err as { description?: string; index?: number };
    throw new ExpressionSyntaxError(description ?? errorMessage(err), typeof index === 'number' ? index : 0);
  }
  const references: ExpressionReference[] = [];
  check(ast, references, source);
  return { source, ast, references };
}

/** The property name of a member access when it is known before running: `a.b`, `a['b']`, `a[0]`. */
export function staticKey(node: jsep.MemberExpression): string | undefined {
  if (!node.computed) return (node.property as jsep.Identifier).name;
  const property = node.property;
  if (property.type === 'Literal') return String((property as jsep.Literal).value);
  return undefined;
}

function check(node: jsep.Expression, refs: ExpressionReference[], source: string): void {
  switch (node.type) {
    case 'Literal':
      return;
    case 'Identifier':
      refs.push({ root: rootName((node as jsep.Identifier).name, source) });
      return;
    case 'MemberExpression': {
      const member = node as jsep.MemberExpression;
      const key = staticKey(member);
      if (key !== undefined && FORBIDDEN_KEYS.has(key)) throw new ExpressionSyntaxError(`reading ${key} is not allowed`, 0);
      if (member.computed && member.property.type !== 'Literal') check(member.property, refs, source);
      if (member.object.type === 'Identifier') {
        const root = rootName((member.object as jsep.Identifier).name, source);
        refs.push(key === undefined ? { root } : { root, name: key });
      } else {
        check(member.object, refs, source);
      }
      return;
    }
    case 'CallExpression': {
      const call = node as jsep.CallExpression;
      if (call.callee.type !== 'Identifier') throw new ExpressionSyntaxError('only the built-in functions can be called, by name (no methods)', 0);
      const name = (call.callee as jsep.Identifier).name;
      const fn = FUNCTIONS.get(name);
      if (fn === undefined) throw new ExpressionSyntaxError(`unknown function ${name}(); the functions are ${[...FUNCTIONS.keys()].join(', ')}`, 0);
      const count = call.arguments.length;
      if (count < fn.minArgs || count > fn.maxArgs) throw new ExpressionSyntaxError(`${name}() takes ${arity(fn.minArgs, fn.maxArgs)}, got ${count}`, 0);
      for (const arg of call.arguments) check(arg, refs, source);
      return;
    }
    case 'UnaryExpression': {
      const unary = node as jsep.UnaryExpression;
      if (!UNARY_OPERATORS.has(unary.operator)) throw new ExpressionSyntaxError(`operator ${unary.operator} is not supported`, 0);
      check(unary.argument, refs, source);
      return;
    }
    case 'BinaryExpression': {
      const binary = node as jsep.BinaryExpression;
      if (!BINARY_OPERATORS.has(binary.operator)) throw new ExpressionSyntaxError(`operator ${binary.operator} is not supported`, 0);
      check(binary.left, refs, source);
      check(binary.right, refs, source);
      return;
    }
    case 'ConditionalExpression': {
      const conditional = node as jsep.ConditionalExpression;
      check(conditional.test, refs, source);
      check(conditional.consequent, refs, source);
      check(conditional.alternate, refs, source);
      return;
    }
    case 'ArrayExpression':
      for (const element of (node as jsep.ArrayExpression).elements) {
        if (element === null) throw new ExpressionSyntaxError('empty slot in a list literal', 0);
        check(element, refs, source);
      }
      return;
    case 'ObjectExpression':
      if (!isObjectExpression(node)) throw new ExpressionSyntaxError('an object literal without properties', 0);
      for (const property of node.properties) checkProperty(property, refs, source);
      return;
    case 'Compound':
      throw new ExpressionSyntaxError('one expression per {{ }}: combine values with operators or functions', 0);
    case 'ThisExpression':
      throw new ExpressionSyntaxError('this is not available; read inputs, steps, item, batch, index or run', 0);
    default:
      throw new ExpressionSyntaxError(`${node.type} is not supported`, 0);
  }
}

function checkProperty(node: jsep.Expression, refs: ExpressionReference[], source: string): void {
  if (!isProperty(node)) throw new ExpressionSyntaxError(`${node.type} is not supported in an object literal`, 0);
  const { key, value, computed, shorthand } = node;
  if (computed) check(key, refs, source);
  else {
    const name = key.type === 'Identifier' ? (key as jsep.Identifier).name : String((key as jsep.Literal).value);
    if (FORBIDDEN_KEYS.has(name)) throw new ExpressionSyntaxError(`${name} is not allowed as a key`, 0);
  }
  if (shorthand || value === undefined) check(key, refs, source);
  else check(value, refs, source);
}

/** An object literal as the object plugin parses it (jsep's own types do not know the node). */
export function isObjectExpression(node: jsep.Expression): node is ObjectExpression {
  return node.type === 'ObjectExpression' && Array.isArray(node['properties']);
}

/** One `key: value` of an object literal, as the object plugin parses it. */
function isProperty(node: jsep.Expression): node is Property {
  return node.type === 'Property' && typeof node['key'] === 'object' && node['key'] !== null && typeof node['computed'] === 'boolean' && typeof node['shorthand'] === 'boolean';
}

function rootName(name: string, source: string): ScopeRoot {
  const root = oneOf(SCOPE_ROOTS, name);
  if (root !== undefined) return root;
  if (FUNCTIONS.has(name)) throw new ExpressionSyntaxError(`${name} is a function: call it as ${name}(…)`, Math.max(0, source.indexOf(name)));
  // `steps.enrich-leads.output` parses as a subtraction; say how to write it.
  const hint = new RegExp(`[\\w$]-${name.replace(/[$]/g, '\\$')}\\b`).test(source) ? ` (an id with - must be written in brackets: steps['my-step'])` : '';
  throw new ExpressionSyntaxError(`unknown name ${name}: expressions read inputs, steps, item, batch, index and run${hint}`, Math.max(0, source.indexOf(name)));
}

function arity(min: number, max: number): string {
  if (max === Infinity) return `at least ${min} argument${min === 1 ? '' : 's'}`;
  if (min === max) return `${min} argument${min === 1 ? '' : 's'}`;
  return `${min} to ${max} arguments`;
}
