import { isAgentmeshError } from '../../protocol/index.js';
import { parseDuration } from './duration.js';
import { inspectExpression, inspectTemplate, type TemplateSite } from './expressions.js';
import { isPlainObject } from './expression-values.js';
import { inputSchemaProblem, valueProblem } from './input-validation.js';
import { formatPath, type PathSegment } from './json-path.js';

/*
 * What the schema cannot say, checked on the authoring form (defensively:
 * these run beside the schema check, so a document may be half-valid):
 * - step ids are unique among siblings;
 * - every template parses, and reads only what exists where it runs:
 *   `inputs.x` is declared; `steps.x` finished before this step (an earlier
 *   sibling, or an earlier sibling of an enclosing step; parallel branches
 *   do not see each other, nor do fallback alternatives: a failed one leaves
 *   no result); `item`/`batch`/`index` only inside a map of the
 *   matching mode; `run.id|tenant|workflow`;
 * - `when` and `over` are one expression each;
 * - durations fit a timer, a timeout is above zero, maxBackoff ≥ backoff;
 * - quorum ≤ branches; `mode: item` has batchSize 1;
 * - `input` sits only on call steps;
 * - each input's schema compiles and its default fits it.
 */

export interface CheckProblem {
  path: PathSegment[];
  message: string;
  /** Point at the key rather than the value. */
  key?: boolean;
  /** Offset inside the string value (an expression's position). */
  offset?: number;
  /** Only worth reporting when the schema found nothing at or under `path` (it follows from a shape already reported). */
  unlessSchemaProblem?: boolean;
}

type MapMode = 'item' | 'batch';

/**
 * The step ids readable at one point: the earlier siblings at each level,
 * kept as (siblings, how many are earlier) per level rather than copied
 * into a set per step, which made a 1,000-step sequence quadratic.
 */
class Visible {
  readonly outer: Visible | undefined;
  readonly siblings: ReadonlyMap<string, number>;
  readonly before: number;

  constructor(outer: Visible | undefined, siblings: ReadonlyMap<string, number>, before: number) {
    this.outer = outer;
    this.siblings = siblings;
    this.before = before;
  }

  static of(ids: Iterable<string>): Visible {
    const siblings = new Map<string, number>();
    for (const id of ids) if (!siblings.has(id)) siblings.set(id, siblings.size);
    return new Visible(undefined, siblings, Infinity);
  }

  has(id: string): boolean {
    const at = this.siblings.get(id);
    if (at !== undefined && at < this.before) return true;
    return this.outer?.has(id) ?? false;
  }

  ids(): string[] {
    const own = [...this.siblings].filter(([, at]) => at < this.before).map(([id]) => id);
    return [...(this.outer?.ids() ?? []), ...own];
  }
}

const NONE = Visible.of([]);

interface Context {
  /** Step ids readable here. */
  visible: Visible;
  /** Siblings this step cannot read, and why: parallel branches, fallback alternatives. */
  hidden: { ids: ReadonlySet<string>; self: unknown; why: 'parallel' | 'fallback' } | undefined;
  /** Mode of the innermost enclosing map, if any. */
  map?: MapMode;
  /** Every step id in the workflow, to tell a forward reference from a typo. */
  allIds: ReadonlySet<string>;
  /** Declared inputs. */
  inputs: ReadonlySet<string>;
  problems: CheckProblem[];
}

const KINDS = ['call', 'sequence', 'parallel', 'map', 'fallback'] as const;
const RUN_FIELDS = new Set(['id', 'tenant', 'workflow']);

const asObject = (v: unknown): Record<string, unknown> | undefined => (isPlainObject(v) ? v : undefined);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function checkWorkflow(data: unknown): CheckProblem[] {
  const doc = asObject(data);
  if (doc === undefined) return [];
  const problems: CheckProblem[] = [];
  const inputs = asObject(doc['inputs']) ?? {};
  checkInputs(inputs, problems);
  const allIds = new Set<string>();
  collectIds(doc['steps'], allIds);
  const root: Context = { visible: NONE, hidden: undefined, allIds, inputs: new Set(Object.keys(inputs)), problems };
  checkSteps(doc['steps'], ['steps'], root, 'sequence');
  const outputs = asObject(doc['outputs']);
  if (outputs !== undefined) {
    const topIds = asArray(doc['steps']).map((s) => asObject(s)?.['id']).filter((id): id is string => typeof id === 'string');
    const context: Context = { ...root, visible: Visible.of(topIds) };
    for (const [name, template] of Object.entries(outputs)) checkTemplate(template, ['outputs', name], context);
  }
  return problems;
}

function collectIds(steps: unknown, into: Set<string>): void {
  for (const raw of asArray(steps)) {
    const step = asObject(raw);
    if (step === undefined) continue;
    if (typeof step['id'] === 'string') into.add(step['id']);
    collectIds(step['sequence'], into);
    collectIds(step['fallback'], into);
    collectIds(asObject(step['parallel'])?.['steps'], into);
    const inner = asObject(asObject(step['map'])?.['step']);
    if (inner !== undefined) collectIds([{ id: 'each', ...inner }], into);
  }
}

function checkSteps(steps: unknown, path: PathSegment[], context: Context, container: 'sequence' | 'parallel' | 'fallback'): void {
  const list = asArray(steps);
  // Position of each id's first occurrence: a step sees the ids first written before it.
  const firstAt = new Map<string, number>();
  for (const [i, raw] of list.entries()) {
    const id = asObject(raw)?.['id'];
    if (typeof id === 'string' && !firstAt.has(id)) firstAt.set(id, i);
  }
  const siblings = new Set(firstAt.keys());
  for (const [i, raw] of list.entries()) {
    const step = asObject(raw);
    if (step === undefined) continue;
    const id = step['id'];
    const first = typeof id === 'string' ? firstAt.get(id) : undefined;
    if (first !== undefined && first !== i) {
      context.problems.push({ path: [...path, i, 'id'], message: `duplicate step id ${String(id)} (also ${formatPath([...path, first])}); ids must be unique among siblings` });
    }
    const own: Context =
      container === 'sequence'
        ? { ...context, visible: new Visible(context.visible, firstAt, i), hidden: undefined }
        : { ...context, hidden: { ids: siblings, self: id, why: container } };
    checkStep(step, [...path, i], own);
  }
}

function checkStep(step: Record<string, unknown>, path: PathSegment[], context: Context): void {
  if (step['when'] !== undefined) checkExpression(step['when'], [...path, 'when'], context);
  checkDurationField(step['timeout'], [...path, 'timeout'], context, true);
  const retry = asObject(step['retry']);
  if (retry !== undefined) {
    const backoff = checkDurationField(retry['backoff'], [...path, 'retry', 'backoff'], context, false);
    const maxBackoff = checkDurationField(retry['maxBackoff'], [...path, 'retry', 'maxBackoff'], context, false);
    if ((maxBackoff ?? 30_000) < (backoff ?? 1_000)) context.problems.push({ path: [...path, 'retry', 'maxBackoff'], message: `must not be shorter than backoff (${backoff ?? 1_000} ms)` });
  }
  const kinds = KINDS.filter((k) => step[k] !== undefined);
  if ('input' in step && step['call'] === undefined) {
    context.problems.push({ path: [...path, 'input'], key: true, message: `only call steps take input${kinds.length === 1 ? ` (this is a ${kinds[0]} step)` : ''}` });
  }
  if (step['call'] !== undefined && 'input' in step) checkTemplate(step['input'], [...path, 'input'], context);
  if (step['sequence'] !== undefined) checkSteps(step['sequence'], [...path, 'sequence'], context, 'sequence');
  if (step['fallback'] !== undefined) checkSteps(step['fallback'], [...path, 'fallback'], context, 'fallback');
  const parallel = asObject(step['parallel']);
  if (parallel !== undefined) {
    const branches = asArray(parallel['steps']).length;
    checkSteps(parallel['steps'], [...path, 'parallel', 'steps'], context, 'parallel');
    const quorum = parallel['quorum'];
    if (typeof quorum === 'number' && branches > 0 && quorum > branches) {
      context.problems.push({ path: [...path, 'parallel', 'quorum'], message: `is ${quorum} but the parallel step has ${branches} branch${branches === 1 ? '' : 'es'}` });
    }
  }
  const map = asObject(step['map']);
  if (map !== undefined) checkMap(map, [...path, 'map'], context);
}

function checkMap(map: Record<string, unknown>, path: PathSegment[], context: Context): void {
  if (map['over'] !== undefined) checkExpression(map['over'], [...path, 'over'], context);
  const batchSize = typeof map['batchSize'] === 'number' ? map['batchSize'] : 1;
  const mode: MapMode = map['mode'] === 'item' || map['mode'] === 'batch' ? map['mode'] : batchSize > 1 ? 'batch' : 'item';
  if (mode === 'item' && batchSize > 1) context.problems.push({ path: [...path, 'mode'], message: `item mode runs one item at a time: batchSize must be 1 (it is ${batchSize}); use mode: batch` });
  const inner = asObject(map['step']);
  if (inner !== undefined) checkStep(inner, [...path, 'step'], { ...context, map: mode, hidden: undefined });
}

/** Validates a duration field; returns its milliseconds when valid. */
function checkDurationField(value: unknown, path: PathSegment[], context: Context, positive: boolean): number | undefined {
  if (value === undefined || (typeof value !== 'string' && typeof value !== 'number')) return undefined;
  try {
    const ms = parseDuration(value);
    if (positive && ms === 0) {
      context.problems.push({ path, message: 'must be greater than 0' });
      return undefined;
    }
    return ms;
  } catch (err) {
    // The schema already words a malformed duration; only the cap is ours to report.
    if (isAgentmeshError(err) && /longest duration/.test(err.message)) context.problems.push({ path, message: err.message.replace(/^invalid duration [^:]+: /, 'too long: ') });
    return undefined;
  }
}

/** A `when` or `over`: one expression, with or without `{{ }}`. */
function checkExpression(value: unknown, path: PathSegment[], context: Context): void {
  if (typeof value !== 'string' || value.trim() === '') return;
  const { sites, problems } = inspectExpression(value);
  for (const p of problems) context.problems.push({ path, offset: p.offset, message: p.message });
  for (const site of sites) referenceProblems({ ...site, path }, context);
}

function checkTemplate(template: unknown, path: PathSegment[], context: Context): void {
  const { sites, problems } = inspectTemplate(template);
  for (const p of problems) context.problems.push({ path: [...path, ...p.path], offset: p.offset, message: p.message });
  for (const site of sites) referenceProblems({ ...site, path: [...path, ...site.path] }, context);
}

function referenceProblems(site: TemplateSite, context: Context): void {
  const add = (message: string): void => void context.problems.push({ path: site.path, offset: site.offset, message });
  for (const ref of site.references) {
    switch (ref.root) {
      case 'inputs':
        if (ref.name !== undefined && !context.inputs.has(ref.name)) {
          add(`inputs.${ref.name} is not declared${context.inputs.size > 0 ? ` (inputs: ${[...context.inputs].join(', ')})` : ' (the workflow declares no inputs)'}`);
        }
        break;
      case 'steps':
        if (ref.name !== undefined && !context.visible.has(ref.name)) add(stepNotVisible(ref.name, context));
        break;
      case 'item':
      case 'batch':
        if (context.map === undefined) add(`${ref.root} is only defined inside a map step`);
        else if (context.map !== ref.root) add(`${ref.root} is not defined in a map with mode: ${context.map}; use ${context.map}`);
        break;
      case 'index':
        if (context.map === undefined) add('index is only defined inside a map step');
        break;
      case 'run':
        if (ref.name !== undefined && !RUN_FIELDS.has(ref.name)) add(`run.${ref.name} does not exist (run has id, tenant, workflow)`);
        break;
    }
  }
}

/** Ids named in a message: enough to spot a typo, not a thousand-step dump. */
const LISTED_IDS = 12;

function stepNotVisible(id: string, context: Context): string {
  const ids = context.visible.ids();
  const listed = ids.length > LISTED_IDS ? `${ids.slice(0, LISTED_IDS).join(', ')}, … (${ids.length} in all)` : ids.join(', ');
  const visible = ids.length > 0 ? ` (readable here: ${listed})` : ' (no step has finished at this point)';
  if (context.hidden !== undefined && context.hidden.self !== id && context.hidden.ids.has(id)) {
    return context.hidden.why === 'parallel'
      ? `steps.${id} runs in parallel with this step, so its result is not available here${visible}`
      : `steps.${id} is another alternative of the same fallback; alternatives do not see each other's results${visible}`;
  }
  if (context.allIds.has(id)) return `steps.${id} has not run yet at this point: a step reads only earlier siblings and earlier siblings of its enclosing steps${visible}`;
  return `there is no step ${id}${visible}`;
}

function checkInputs(inputs: Record<string, unknown>, problems: CheckProblem[]): void {
  for (const [name, raw] of Object.entries(inputs)) {
    const input = asObject(raw);
    if (input === undefined) continue;
    const { default: fallback, description: _description, ...schema } = input;
    const schemaProblem = inputSchemaProblem(schema);
    if (schemaProblem !== undefined) {
      problems.push({ path: ['inputs', name], message: schemaProblem, unlessSchemaProblem: true });
      continue;
    }
    if (fallback !== undefined) {
      const problem = valueProblem(schema, fallback);
      if (problem !== undefined) problems.push({ path: ['inputs', name, 'default'], message: `does not fit the input's schema: ${problem}`, unlessSchemaProblem: true });
    }
  }
}
