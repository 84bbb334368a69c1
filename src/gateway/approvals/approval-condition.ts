import jsep from 'jsep';

/*
 * The condition of an approval rule (docs/approvals.md, "Conditions"): one
 * expression over the call, parsed with jsep (the parser the workflow
 * expressions use; that evaluator lives in the orchestrator, which the
 * gateway may not import, ADR 0037) and checked before it is ever run:
 * - names: `price` (the call's estimate, in credits), `input` (the skill's
 *   input: the first data part, else the text), `agent`, `skill`, `tenant`;
 * - member reads on those, by name or literal index, only own properties of
 *   plain objects and arrays, never `__proto__`, `constructor` or `prototype`;
 * - operators `== != < <= > >= && || !`, and `contains(text, part)`;
 * - no coercion: `<` and friends compare two numbers or two strings, and
 *   anything else is false (a condition never throws once checked).
 * Nothing is handed to eval or Function.
 */

/** The facts a condition reads. */
export interface ConditionFacts {
  /** The call's estimate, credits. */
  price: number;
  input: unknown;
  agent: string;
  skill: string;
  tenant: string;
}

/** A condition that passed the checks: `test` never throws. */
export interface ApprovalCondition {
  readonly source: string;
  test(facts: ConditionFacts): boolean;
}

/** A condition that does not parse or uses what is not allowed; `message` says what. */
export class ConditionSyntaxError extends Error {
  override name = 'ConditionSyntaxError';
}

/** Longest condition accepted: bounds parse time and the tree's depth. */
export const MAX_CONDITION_LENGTH = 1024;

const NAMES: ReadonlySet<string> = new Set(['price', 'input', 'agent', 'skill', 'tenant']);
const BINARY: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=', '&&', '||']);
const FORBIDDEN: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses and checks a condition; throws ConditionSyntaxError naming the fault.
 *
 * @example
 * parseCondition('price > 50 || input.amount >= 10000').test({ price: 80, input: {}, agent: 'a', skill: 's', tenant: 't' }); // true
 */
export function parseCondition(source: string): ApprovalCondition {
  if (source.length > MAX_CONDITION_LENGTH) throw new ConditionSyntaxError(`a condition is at most ${MAX_CONDITION_LENGTH} characters`);
  let ast: jsep.Expression;
  try {
    ast = jsep(source);
  } catch (err) {
    throw new ConditionSyntaxError((err as { description?: string }).description ?? String(err));
  }
  check(ast);
  return { source, test: (facts) => truthy(run(ast, facts)) };
}

function check(node: jsep.Expression): void {
  switch (node.type) {
    case 'Literal':
      return;
    case 'Identifier': {
      const name = (node as jsep.Identifier).name;
      if (!NAMES.has(name)) throw new ConditionSyntaxError(`unknown name ${name}; a condition reads ${[...NAMES].join(', ')}`);
      return;
    }
    case 'MemberExpression': {
      const member = node as jsep.MemberExpression;
      const key = keyOf(member);
      if (key === undefined) throw new ConditionSyntaxError('a property is read by its name or a literal index');
      if (FORBIDDEN.has(key)) throw new ConditionSyntaxError(`reading ${key} is not allowed`);
      check(member.object);
      return;
    }
    case 'CallExpression': {
      const call = node as jsep.CallExpression;
      if (call.callee.type !== 'Identifier' || (call.callee as jsep.Identifier).name !== 'contains') throw new ConditionSyntaxError('the one function is contains(text, part)');
      if (call.arguments.length !== 2) throw new ConditionSyntaxError(`contains() takes 2 arguments, got ${call.arguments.length}`);
      for (const arg of call.arguments) check(arg);
      return;
    }
    case 'UnaryExpression': {
      const unary = node as jsep.UnaryExpression;
      if (unary.operator !== '!' && unary.operator !== '-') throw new ConditionSyntaxError(`operator ${unary.operator} is not supported`);
      check(unary.argument);
      return;
    }
    case 'BinaryExpression': {
      const binary = node as jsep.BinaryExpression;
      if (!BINARY.has(binary.operator)) throw new ConditionSyntaxError(`operator ${binary.operator} is not supported`);
      check(binary.left);
      check(binary.right);
      return;
    }
    default:
      throw new ConditionSyntaxError(`${node.type} is not supported in a condition`);
  }
}

function keyOf(member: jsep.MemberExpression): string | undefined {
  if (!member.computed) return (member.property as jsep.Identifier).name;
  const property = member.property;
  if (property.type !== 'Literal') return undefined;
  const value = (property as jsep.Literal).value;
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)) ? String(value) : undefined;
}

function run(node: jsep.Expression, facts: ConditionFacts): unknown {
  switch (node.type) {
    case 'Literal':
      return (node as jsep.Literal).value;
    case 'Identifier':
      return root((node as jsep.Identifier).name, facts);
    case 'MemberExpression': {
      const member = node as jsep.MemberExpression;
      return read(run(member.object, facts), keyOf(member)!);
    }
    case 'CallExpression': {
      const [text, part] = (node as jsep.CallExpression).arguments.map((arg) => run(arg, facts));
      return typeof text === 'string' && typeof part === 'string' && text.toLowerCase().includes(part.toLowerCase());
    }
    case 'UnaryExpression': {
      const unary = node as jsep.UnaryExpression;
      const value = run(unary.argument, facts);
      if (unary.operator === '!') return !truthy(value);
      return typeof value === 'number' ? -value : undefined;
    }
    default:
      return binary(node as jsep.BinaryExpression, facts);
  }
}

function binary(node: jsep.BinaryExpression, facts: ConditionFacts): unknown {
  if (node.operator === '&&') return truthy(run(node.left, facts)) && truthy(run(node.right, facts));
  if (node.operator === '||') return truthy(run(node.left, facts)) || truthy(run(node.right, facts));
  const left = run(node.left, facts);
  const right = run(node.right, facts);
  if (node.operator === '==') return same(left, right);
  if (node.operator === '!=') return !same(left, right);
  // Ordering without coercion: two numbers or two strings, else the comparison is false.
  const comparable = (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  const l = left as number | string;
  const r = right as number | string;
  switch (node.operator) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    default:
      return l >= r;
  }
}

function root(name: string, facts: ConditionFacts): unknown {
  switch (name) {
    case 'price':
      return facts.price;
    case 'input':
      return facts.input;
    case 'agent':
      return facts.agent;
    case 'skill':
      return facts.skill;
    default:
      return facts.tenant;
  }
}

/** Own properties of plain objects and arrays only; anything else reads as missing. */
function read(object: unknown, key: string): unknown {
  if (object === null || typeof object !== 'object') return undefined;
  if (!Array.isArray(object) && Object.getPrototypeOf(object) !== Object.prototype && Object.getPrototypeOf(object) !== null) return undefined;
  return Object.hasOwn(object, key) ? Reflect.get(object, key) : undefined;
}

/** Scalars compare by value, a missing value equals null; objects and arrays are never equal to anything. */
function same(a: unknown, b: unknown): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  return x === y && (x === null || typeof x !== 'object');
}

function truthy(value: unknown): boolean {
  return value === true || (typeof value === 'number' && value !== 0 && !Number.isNaN(value)) || (typeof value === 'string' && value !== '');
}
