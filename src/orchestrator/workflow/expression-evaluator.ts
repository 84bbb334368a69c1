import type jsep from 'jsep';
import type { TemplateScope } from './workflow-definition.js';
import { FUNCTIONS, FunctionArgumentError } from './expression-functions.js';
import { isObjectExpression, staticKey } from './expression-parser.js';
import { FORBIDDEN_KEYS, describeValue, isPlainObject, jsonEquals, ownMember } from './expression-values.js';

/*
 * Runs a checked expression tree (expression-parser.ts) against a scope.
 * The semantics are deliberately narrower than JavaScript's:
 * - no coercion: `-`, `*`, `/`, `%` and `<`… need numbers (or, for
 *   comparisons, two strings); `+` adds numbers or joins a string with a
 *   string, number or boolean; anything else is an error that says so;
 * - `==` is deep equality without coercion, where a missing value equals
 *   null; `===` is deep equality where it does not;
 * - reading a property of a missing value (undefined or null) is missing,
 *   not an error, so `default(steps.a.output.x, 0)` works when `a` was
 *   skipped;
 * - only own properties of plain objects, arrays and strings can be read.
 * Failures throw EvaluationError with a message naming the operation.
 */

export class EvaluationError extends Error {
  override name = 'EvaluationError';
}

export function evaluate(node: jsep.Expression, scope: TemplateScope): unknown {
  switch (node.type) {
    case 'Literal':
      return (node as jsep.Literal).value;
    case 'Identifier':
      return readRoot((node as jsep.Identifier).name, scope);
    case 'MemberExpression': {
      const member = node as jsep.MemberExpression;
      const object = evaluate(member.object, scope);
      const key = staticKey(member) ?? propertyKey(evaluate(member.property, scope));
      return readMember(object, key);
    }
    case 'CallExpression': {
      const call = node as jsep.CallExpression;
      const name = (call.callee as jsep.Identifier).name;
      const fn = FUNCTIONS.get(name);
      if (fn === undefined) throw new EvaluationError(`unknown function ${name}()`);
      const args = call.arguments.map((arg) => evaluate(arg, scope));
      try {
        return fn.call(args);
      } catch (err) {
        if (err instanceof FunctionArgumentError) throw new EvaluationError(err.message);
        throw err;
      }
    }
    case 'UnaryExpression':
      return unary(node as jsep.UnaryExpression, scope);
    case 'BinaryExpression':
      return binary(node as jsep.BinaryExpression, scope);
    case 'ConditionalExpression': {
      const conditional = node as jsep.ConditionalExpression;
      return evaluate(conditional.test, scope) ? evaluate(conditional.consequent, scope) : evaluate(conditional.alternate, scope);
    }
    case 'ArrayExpression':
      return (node as jsep.ArrayExpression).elements.map((element) => evaluate(element as jsep.Expression, scope));
    case 'ObjectExpression':
      return objectLiteral(node, scope);
    default:
      throw new EvaluationError(`${node.type} is not supported`);
  }
}

function readRoot(name: string, scope: TemplateScope): unknown {
  switch (name) {
    case 'inputs':
      return scope.inputs;
    case 'steps':
      return scope.steps;
    case 'item':
      return scope.item;
    case 'batch':
      return scope.batch;
    case 'index':
      return scope.index;
    case 'run':
      return scope.run;
    default:
      throw new EvaluationError(`unknown name ${name}`);
  }
}

function propertyKey(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  throw new EvaluationError(`a property name must be a string or a whole number, got ${describeValue(value)}`);
}

function readMember(object: unknown, key: string): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new EvaluationError(`reading ${key} is not allowed`);
  if (object === undefined || object === null) return undefined;
  if (Array.isArray(object) || typeof object === 'string' || isPlainObject(object)) {
    return ownMember(object, key);
  }
  if (typeof object === 'number' || typeof object === 'boolean') return undefined;
  throw new EvaluationError(`cannot read .${key} of ${describeValue(object)}`);
}

function objectLiteral(node: jsep.Expression, scope: TemplateScope): Record<string, unknown> {
  const entries: Array<[string, unknown]> = [];
  if (!isObjectExpression(node)) throw new EvaluationError('an object literal without properties');
  for (const property of node.properties) {
    let key: string;
    if (property.computed) key = propertyKey(evaluate(property.key, scope));
    else key = property.key.type === 'Identifier' ? (property.key as jsep.Identifier).name : String((property.key as jsep.Literal).value);
    if (FORBIDDEN_KEYS.has(key)) throw new EvaluationError(`${key} is not allowed as a key`);
    entries.push([key, evaluate(property.shorthand || property.value === undefined ? property.key : property.value, scope)]);
  }
  // fromEntries defines own data properties: no setter on the prototype ever runs.
  return Object.fromEntries(entries);
}

function unary(node: jsep.UnaryExpression, scope: TemplateScope): unknown {
  const value = evaluate(node.argument, scope);
  switch (node.operator) {
    case '!':
      return !value;
    case '-':
    case '+':
      if (typeof value !== 'number') throw new EvaluationError(`unary ${node.operator} needs a number, got ${describeValue(value)}`);
      return node.operator === '-' ? -value : value;
    default:
      throw new EvaluationError(`operator ${node.operator} is not supported`);
  }
}

function binary(node: jsep.BinaryExpression, scope: TemplateScope): unknown {
  const op = node.operator;
  // Logical operators short-circuit, like JavaScript's, and return an operand.
  if (op === '&&' || op === '||' || op === '??') {
    const left = evaluate(node.left, scope);
    if (op === '&&') return left ? evaluate(node.right, scope) : left;
    if (op === '||') return left ? left : evaluate(node.right, scope);
    return left === null || left === undefined ? evaluate(node.right, scope) : left;
  }
  const left = evaluate(node.left, scope);
  const right = evaluate(node.right, scope);
  switch (op) {
    case '==':
      return jsonEquals(left, right, true);
    case '!=':
      return !jsonEquals(left, right, true);
    case '===':
      return jsonEquals(left, right);
    case '!==':
      return !jsonEquals(left, right);
    case '+':
      return plus(left, right);
    case '-':
    case '*':
    case '/':
    case '%':
      return arithmetic(op, left, right);
    case '<':
    case '>':
    case '<=':
    case '>=':
      return compare(op, left, right);
    default:
      throw new EvaluationError(`operator ${op} is not supported`);
  }
}

const JOINABLE = new Set(['string', 'number', 'boolean']);

function plus(left: unknown, right: unknown): unknown {
  if (typeof left === 'number' && typeof right === 'number') return left + right;
  if ((typeof left === 'string' && JOINABLE.has(typeof right)) || (typeof right === 'string' && JOINABLE.has(typeof left))) return `${String(left)}${String(right)}`;
  throw new EvaluationError(`+ adds two numbers or joins a string with a string, number or boolean; got ${describeValue(left)} and ${describeValue(right)} (use concat() or merge() for lists and objects)`);
}

function arithmetic(op: string, left: unknown, right: unknown): number {
  if (typeof left !== 'number' || typeof right !== 'number') throw new EvaluationError(`${op} needs two numbers, got ${describeValue(left)} and ${describeValue(right)}`);
  switch (op) {
    case '-':
      return left - right;
    case '*':
      return left * right;
    default:
      if (right === 0) throw new EvaluationError(`division by zero (${op} 0)`);
      return op === '/' ? left / right : left % right;
  }
}

function compare(op: string, left: unknown, right: unknown): boolean {
  const comparable = (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) throw new EvaluationError(`${op} compares two numbers or two strings, got ${describeValue(left)} and ${describeValue(right)}`);
  const [a, b] = [left as number | string, right as number | string];
  switch (op) {
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    default:
      return a >= b;
  }
}
