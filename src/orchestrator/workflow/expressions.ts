import { type AgentmeshError, Errors } from '../../protocol/index.js';
import type { TemplateScope } from './workflow-definition.js';
import { EvaluationError, evaluate } from './expression-evaluator.js';
import { ExpressionSyntaxError, parseExpression, type ExpressionReference, type ParsedExpression } from './expression-parser.js';
import { isPlainObject, toJsonValue, toText } from './expression-values.js';
import { formatPath, type PathSegment } from './json-path.js';
import { TemplateSyntaxError, hasTemplate, scanTemplate } from './template-scanner.js';

/*
 * Templates are JSON values whose strings may hold `{{ expression }}`:
 * - a string that is exactly one `{{ expr }}` renders to the raw value
 *   (list, object, number…);
 * - any other string with `{{ }}` renders to a string, each value as text
 *   (strings as is, missing and null as nothing, lists and objects as JSON);
 * - everything else renders as written.
 * A missing value renders as null inside JSON values. Each template is
 * compiled once: parsed expressions are cached by their text, compiled
 * templates by their text or, when frozen (definitions are), by identity.
 */

/** Which parts of the scope a template reads, for the loader's static checks. */
export interface TemplateReferences {
  /** Input names read as `inputs.x` (a bare `inputs` adds nothing). */
  inputs: string[];
  /** Step ids read as `steps.x` (a dynamic `steps[expr]` adds nothing). */
  steps: string[];
  /** Map-only names used: `item`, `batch`, `index`. */
  locals: string[];
}

export interface CompiledTemplate {
  /** Renders against a scope; throws AgentmeshError `AM_ERR_WORKFLOW_EXPRESSION` naming the failed expression. */
  render(scope: TemplateScope): unknown;
  references(): TemplateReferences;
  /** The step results a render reads, for the engine to fetch first. */
  readonly stepsRead: StepsRead;
}

export interface CompiledExpression {
  readonly source: string;
  evaluate(scope: TemplateScope): unknown;
  references(): TemplateReferences;
  /** The step results an evaluation reads, for the engine to fetch first. */
  readonly stepsRead: StepsRead;
}

/** Step results read by a template: these ids, or (`every`) any of them: `steps[expr]` or a bare `steps`. */
export interface StepsRead {
  readonly ids: readonly string[];
  readonly every: boolean;
}

/** An expression found in a template: where it sits (JSON path; offset of its `{{` in that string) and what it reads. */
export interface TemplateSite {
  path: PathSegment[];
  offset: number;
  references: readonly ExpressionReference[];
}

/** A problem found while compiling, where it sits. */
export interface TemplateProblem {
  path: PathSegment[];
  offset: number;
  message: string;
}

/** Deepest nesting of a template value: recursion stays far from the stack limit. */
const MAX_DEPTH = 64;
const CACHE_SIZE = 2000;

/** A compiled template: constants folded, expressions parsed. */
export type TemplateNode =
  | { kind: 'constant'; value: unknown }
  | { kind: 'raw'; expression: ParsedExpression; path: PathSegment[] }
  | { kind: 'text'; parts: Array<string | ParsedExpression>; path: PathSegment[] }
  | { kind: 'array'; items: TemplateNode[] }
  | { kind: 'object'; entries: Array<[string, TemplateNode]> };

/** What compiling found: the tree, every expression, every problem. */
export interface TemplateInspection {
  node: TemplateNode;
  sites: TemplateSite[];
  problems: TemplateProblem[];
}

const parsedCache = new Map<string, ParsedExpression>();
const stringTemplates = new Map<string, CompiledTemplate>();
const objectTemplates = new WeakMap<object, CompiledTemplate>();
const expressions = new Map<string, CompiledExpression>();

/** Parses an expression, remembering the result by its text (least recently used entries leave first). */
function parseCached(source: string): ParsedExpression {
  const hit = parsedCache.get(source);
  if (hit !== undefined) {
    parsedCache.delete(source);
    parsedCache.set(source, hit);
    return hit;
  }
  const parsed = parseExpression(source);
  remember(parsedCache, source, parsed);
  return parsed;
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.set(key, value);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
}

/**
 * Compiles without throwing: the loader wants every problem with its place,
 * the engine wants a renderer. Non-JSON values (functions, class instances,
 * NaN, cycles) are problems too.
 */
export function inspectTemplate(template: unknown): TemplateInspection {
  const sites: TemplateSite[] = [];
  const problems: TemplateProblem[] = [];
  const node = compileNode(template, [], new Set(), sites, problems);
  return { node, sites, problems };
}

function compileNode(value: unknown, path: PathSegment[], ancestors: Set<object>, sites: TemplateSite[], problems: TemplateProblem[]): TemplateNode {
  if (path.length > MAX_DEPTH) {
    problems.push({ path, offset: 0, message: `is nested more than ${MAX_DEPTH} levels deep` });
    return { kind: 'constant', value: null };
  }
  if (typeof value === 'string') return compileString(value, path, sites, problems);
  if (value === null || typeof value === 'boolean') return { kind: 'constant', value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push({ path, offset: 0, message: 'must be a finite number' });
    return { kind: 'constant', value };
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    if (ancestors.has(value)) {
      problems.push({ path, offset: 0, message: 'contains itself (a cycle)' });
      return { kind: 'constant', value: null };
    }
    ancestors.add(value);
    const node: TemplateNode = Array.isArray(value)
      ? { kind: 'array', items: value.map((item, i) => compileNode(item, [...path, i], ancestors, sites, problems)) }
      : { kind: 'object', entries: Object.entries(value).map(([k, v]) => [k, compileNode(v, [...path, k], ancestors, sites, problems)]) };
    ancestors.delete(value);
    return foldConstant(node);
  }
  problems.push({ path, offset: 0, message: `must be a JSON value, not ${value === undefined ? 'undefined' : typeof value === 'object' ? 'a class instance' : `a ${typeof value}`}` });
  return { kind: 'constant', value: null };
}

/** A list or object with nothing to evaluate is kept as one frozen constant. */
function foldConstant(node: TemplateNode): TemplateNode {
  if (node.kind === 'array' && node.items.every((n) => n.kind === 'constant')) {
    return { kind: 'constant', value: Object.freeze(node.items.map((n) => (n as { value: unknown }).value)) };
  }
  if (node.kind === 'object' && node.entries.every(([, n]) => n.kind === 'constant')) {
    return { kind: 'constant', value: Object.freeze(Object.fromEntries(node.entries.map(([k, n]) => [k, (n as { value: unknown }).value]))) };
  }
  return node;
}

function compileString(text: string, path: PathSegment[], sites: TemplateSite[], problems: TemplateProblem[]): TemplateNode {
  if (!hasTemplate(text)) return { kind: 'constant', value: text };
  let parts;
  try {
    parts = scanTemplate(text);
  } catch (err) {
    if (!(err instanceof TemplateSyntaxError)) throw err;
    problems.push({ path, offset: err.offset, message: err.message });
    return { kind: 'constant', value: text };
  }
  const compiled: Array<string | ParsedExpression> = [];
  let failed = false;
  for (const part of parts) {
    if (part.kind === 'text') {
      compiled.push(part.text);
      continue;
    }
    try {
      const parsed = parseCached(part.source);
      sites.push({ path, offset: part.offset - 2, references: parsed.references });
      compiled.push(parsed);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      problems.push({ path, offset: part.offset + err.offset, message: `invalid expression {{${part.source}}}: ${err.message}` });
      failed = true;
    }
  }
  if (failed) return { kind: 'constant', value: text };
  const [only] = compiled;
  if (compiled.length === 1 && typeof only !== 'string' && only !== undefined) return { kind: 'raw', expression: only, path };
  return { kind: 'text', parts: compiled, path };
}

function renderNode(node: TemplateNode, scope: TemplateScope): unknown {
  switch (node.kind) {
    case 'constant':
      return node.value;
    case 'raw':
      return toJsonValue(run(node.expression, scope, node.path));
    case 'text':
      return node.parts.map((part) => (typeof part === 'string' ? part : toText(run(part, scope, node.path)))).join('');
    case 'array':
      return node.items.map((item) => renderNode(item, scope));
    case 'object':
      return Object.fromEntries(node.entries.map(([k, item]) => [k, renderNode(item, scope)]));
  }
}

function run(expression: ParsedExpression, scope: TemplateScope, path: PathSegment[]): unknown {
  try {
    return evaluate(expression.ast, scope);
  } catch (err) {
    if (!(err instanceof EvaluationError)) throw err;
    const where = path.length === 0 ? '' : ` (at ${formatPath(path)})`;
    throw Errors.workflowExpressionFailed({ expression: expression.source.trim(), where, reason: err.message }, { details: path.length === 0 ? undefined : { path: formatPath(path) }, cause: err });
  }
}

function collectReferences(sites: readonly TemplateSite[]): TemplateReferences {
  const inputs = new Set<string>();
  const steps = new Set<string>();
  const locals = new Set<string>();
  for (const site of sites) {
    for (const ref of site.references) {
      if (ref.root === 'inputs' && ref.name !== undefined) inputs.add(ref.name);
      else if (ref.root === 'steps' && ref.name !== undefined) steps.add(ref.name);
      else if (ref.root === 'item' || ref.root === 'batch' || ref.root === 'index') locals.add(ref.root);
    }
  }
  return { inputs: [...inputs], steps: [...steps], locals: [...locals] };
}

function stepsReadBy(sites: readonly TemplateSite[]): StepsRead {
  const ids = new Set<string>();
  let every = false;
  for (const site of sites) {
    for (const ref of site.references) {
      if (ref.root !== 'steps') continue;
      if (ref.name === undefined) every = true;
      else ids.add(ref.name);
    }
  }
  return Object.freeze({ ids: Object.freeze([...ids]), every });
}

function invalid(problems: TemplateProblem[]): AgentmeshError {
  const lines = problems.map((p) => `${formatPath(p.path)}: ${p.message}`);
  return Errors.workflowTemplateInvalid({ problems: lines.join('; ') }, { violations: problems.map((p) => ({ field: formatPath(p.path), description: p.message })) });
}

/**
 * Compiles a template (any JSON value) once; render it for each scope.
 * Throws AgentmeshError `AM_ERR_WORKFLOW_INVALID` when an expression does not
 * parse or reads something no scope has.
 *
 * @example
 * const input = compileTemplate({ leadIds: '{{ inputs.leadIds }}', note: 'top {{ inputs.top }}' });
 * input.render(scope) // → { leadIds: ['a', 'b'], note: 'top 10' }
 */
export function compileTemplate(template: unknown): CompiledTemplate {
  const cached = typeof template === 'string' ? stringTemplates.get(template) : typeof template === 'object' && template !== null ? objectTemplates.get(template) : undefined;
  if (cached !== undefined) return cached;
  const { node, sites, problems } = inspectTemplate(template);
  if (problems.length > 0) throw invalid(problems);
  const references = collectReferences(sites);
  const compiled: CompiledTemplate = Object.freeze({
    render: (scope: TemplateScope) => renderNode(node, scope),
    references: () => ({ inputs: [...references.inputs], steps: [...references.steps], locals: [...references.locals] }),
    stepsRead: stepsReadBy(sites),
  });
  if (typeof template === 'string') remember(stringTemplates, template, compiled);
  // Only a frozen object is cached by identity: an unfrozen one could change under the cache.
  else if (typeof template === 'object' && template !== null && Object.isFrozen(template)) objectTemplates.set(template, compiled);
  return compiled;
}

/**
 * The expression of a `when` or a map's `over`: written as `{{ expr }}` or
 * bare (`steps.a.output.count > 0`); the braces are optional so a forgotten
 * pair does not turn a condition into an always-true string.
 */
export function expressionText(text: string): { source: string; offset: number } {
  if (!hasTemplate(text)) return { source: text, offset: 0 };
  const parts = scanTemplate(text);
  const [only] = parts;
  if (parts.length !== 1 || only === undefined || only.kind !== 'expression') {
    throw new TemplateSyntaxError('must be one expression: either {{ expr }} alone, or the expression without braces', 0);
  }
  return { source: only.source, offset: only.offset };
}

/** Like {@link inspectTemplate}, for a `when` or `over`: offsets are in `text` as written. */
export function inspectExpression(text: string): { sites: TemplateSite[]; problems: TemplateProblem[] } {
  let located: { source: string; offset: number };
  try {
    located = expressionText(text);
  } catch (err) {
    if (!(err instanceof TemplateSyntaxError)) throw err;
    return { sites: [], problems: [{ path: [], offset: err.offset, message: err.message }] };
  }
  try {
    const parsed = parseCached(located.source);
    return { sites: [{ path: [], offset: Math.max(0, located.offset - 2), references: parsed.references }], problems: [] };
  } catch (err) {
    if (!(err instanceof ExpressionSyntaxError)) throw err;
    return { sites: [], problems: [{ path: [], offset: located.offset + err.offset, message: `invalid expression ${located.source.trim()}: ${err.message}` }] };
  }
}

/**
 * Compiles a `when` or `over` expression (with or without `{{ }}`).
 *
 * @example
 * compileExpression('{{ steps.enrich.output.leadIds }}').evaluate(scope) // → ['l1', 'l2']
 */
export function compileExpression(text: string): CompiledExpression {
  const cached = expressions.get(text);
  if (cached !== undefined) return cached;
  let parsed: ParsedExpression;
  try {
    parsed = parseCached(expressionText(text).source);
  } catch (err) {
    if (err instanceof TemplateSyntaxError || err instanceof ExpressionSyntaxError) {
      throw Errors.workflowExpressionInvalid({ expression: text, reason: err.message });
    }
    throw err;
  }
  const sites = [{ path: [], offset: 0, references: parsed.references }];
  const references = collectReferences(sites);
  const compiled: CompiledExpression = Object.freeze({
    source: text,
    evaluate: (scope: TemplateScope) => run(parsed, scope, []),
    references: () => ({ inputs: [...references.inputs], steps: [...references.steps], locals: [...references.locals] }),
    stepsRead: stepsReadBy(sites),
  });
  remember(expressions, text, compiled);
  return compiled;
}

/**
 * Evaluates a step's `when`: true when the value is truthy (JavaScript's
 * rule: false, 0, '', null and missing are false; an empty list is true —
 * write `length(x) > 0`).
 *
 * @example
 * evaluateCondition('{{ steps.enrich.output.count > 0 }}', scope) // → true
 */
export function evaluateCondition(expr: string, scope: TemplateScope): boolean {
  return Boolean(compileExpression(expr).evaluate(scope));
}
