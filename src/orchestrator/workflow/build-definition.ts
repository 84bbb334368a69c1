import { parseDuration } from './duration.js';
import { hasTemplate } from './template-scanner.js';
import type { PathSegment } from './json-path.js';
import type { CallTarget, JoinPolicy, MapFailurePolicy, RetryPolicy, Step, StepBase, WorkflowDefinition, WorkflowInput } from './workflow-definition.js';
import { deepFreeze, isRecord, oneOf } from '../../protocol/index.js';

/*
 * Turns a validated authoring form into the definition the engine runs:
 * kinds made explicit, defaults filled in (they live here, in one place),
 * durations in milliseconds, `when`/`over` braced, each step's place in its
 * file recorded.
 * Only called once the schema and the cross-checks passed, so the shapes
 * below are the schema's.
 */

/** Defaults of the authoring form, with their units. */
export const WORKFLOW_DEFAULTS = Object.freeze({
  /** Retry backoff before the second attempt; doubles each time. */
  retryBackoffMs: 1_000,
  /** Cap of the doubling backoff. */
  retryMaxBackoffMs: 30_000,
  /** Items per batch of a map. */
  mapBatchSize: 1,
  /** Batches (or items) of a map in flight at once. */
  mapConcurrency: 4,
  /** Id of a map's inner step when it has none. */
  mapStepId: 'each',
  joinPolicy: 'all' as const,
});

type Raw = Record<string, unknown>;
const JOIN_POLICIES: readonly JoinPolicy[] = ['all', 'allSettled', 'first', 'quorum'];
const MAP_MODES = ['item', 'batch'] as const;
export type Locate = (path: PathSegment[]) => { line: number; column: number } | undefined;

export function buildDefinition(validated: unknown, source: string, locate: Locate): WorkflowDefinition {
  const raw = recordAt(validated, '(root)');
  const inputs: Record<string, WorkflowInput> = {};
  for (const [name, spec] of Object.entries(optionalRecord(raw['inputs'], 'inputs') ?? {})) {
    const { default: fallback, description, ...schema } = recordAt(spec, `inputs.${name}`);
    inputs[name] = {
      schema,
      ...(typeof description === 'string' ? { description } : {}),
      ...(fallback === undefined ? {} : { default: fallback }),
      required: fallback === undefined,
    };
  }
  const def: WorkflowDefinition = {
    name: stringAt(raw['name'], 'name'),
    ...(typeof raw['description'] === 'string' ? { description: raw['description'] } : {}),
    ...(raw['version'] === undefined ? {} : { version: String(raw['version']) }),
    ...(Array.isArray(raw['tags']) ? { tags: raw['tags'].map(String) } : {}),
    inputs,
    steps: recordsAt(raw['steps'], 'steps').map((step, i) => buildStep(step, ['steps', i], locate)),
    ...(raw['outputs'] === undefined ? {} : { outputs: recordAt(raw['outputs'], 'outputs') }),
    source,
  };
  // Definitions are shared by every run of a workflow: nothing may change them.
  return deepFreeze(def);
}

function buildStep(raw: Raw, path: PathSegment[], locate: Locate, defaultId?: string): Step {
  const at = (key: string): string => [...path, key].join('.');
  const base: StepBase = { id: optionalString(raw['id'], at('id')) ?? defaultId ?? '' };
  if (typeof raw['when'] === 'string') base.when = braced(raw['when']);
  if (raw['timeout'] !== undefined) base.timeoutMs = parseDuration(durationAt(raw['timeout'], at('timeout')));
  if (raw['retry'] !== undefined) base.retry = buildRetry(recordAt(raw['retry'], at('retry')), at('retry'));
  const where = locate(path);
  if (where !== undefined) base.source = where;
  const children = (key: string, list: unknown): Step[] => recordsAt(list, at(key)).map((s, i) => buildStep(s, [...path, key, i], locate));
  if (raw['call'] !== undefined) return { ...base, kind: 'call', call: callTarget(recordAt(raw['call'], at('call'))), input: raw['input'] ?? null };
  if (raw['sequence'] !== undefined) return { ...base, kind: 'sequence', steps: children('sequence', raw['sequence']) };
  if (raw['fallback'] !== undefined) return { ...base, kind: 'fallback', steps: children('fallback', raw['fallback']) };
  if (raw['parallel'] !== undefined) {
    const parallel = recordAt(raw['parallel'], at('parallel'));
    const steps = recordsAt(parallel['steps'], at('parallel.steps')).map((s, i) => buildStep(s, [...path, 'parallel', 'steps', i], locate));
    const join = parallel['join'] === undefined ? WORKFLOW_DEFAULTS.joinPolicy : memberAt(JOIN_POLICIES, parallel['join'], at('parallel.join'));
    return { ...base, kind: 'parallel', join, ...(join === 'quorum' ? { quorum: numberAt(parallel['quorum'], at('parallel.quorum')) } : {}), steps };
  }
  const map = recordAt(raw['map'], at('map'));
  const batchSize = optionalNumber(map['batchSize'], at('map.batchSize')) ?? WORKFLOW_DEFAULTS.mapBatchSize;
  return {
    ...base,
    kind: 'map',
    over: braced(stringAt(map['over'], at('map.over'))),
    batchSize,
    concurrency: optionalNumber(map['concurrency'], at('map.concurrency')) ?? WORKFLOW_DEFAULTS.mapConcurrency,
    mode: map['mode'] === undefined ? (batchSize > 1 ? 'batch' : 'item') : memberAt(MAP_MODES, map['mode'], at('map.mode')),
    onFailure: buildFailurePolicy(map['onFailure'], at('map.onFailure')),
    step: buildStep(recordAt(map['step'], at('map.step')), [...path, 'map', 'step'], locate, WORKFLOW_DEFAULTS.mapStepId),
  };
}

function callTarget(raw: Raw): CallTarget {
  return {
    ...(typeof raw['agent'] === 'string' && { agent: raw['agent'] }),
    ...(typeof raw['skill'] === 'string' && { skill: raw['skill'] }),
    ...(Array.isArray(raw['tags']) && { tags: raw['tags'].map(String) }),
  };
}


/**
 * `when` and `over` may be written bare (`steps.a.output.count > 0`); the
 * definition always holds the braced form, so `compileTemplate(over)` and
 * `evaluateCondition(when)` read them the same way.
 */
function braced(expression: string): string {
  return hasTemplate(expression) ? expression : `{{ ${expression.trim()} }}`;
}

function buildRetry(raw: Raw, where: string): RetryPolicy {
  return {
    attempts: numberAt(raw['attempts'], `${where}.attempts`),
    backoffMs: raw['backoff'] === undefined ? WORKFLOW_DEFAULTS.retryBackoffMs : parseDuration(durationAt(raw['backoff'], `${where}.backoff`)),
    maxBackoffMs: raw['maxBackoff'] === undefined ? WORKFLOW_DEFAULTS.retryMaxBackoffMs : parseDuration(durationAt(raw['maxBackoff'], `${where}.maxBackoff`)),
  };
}

function buildFailurePolicy(raw: unknown, where: string): MapFailurePolicy {
  if (raw === undefined || raw === 'fail') return { mode: 'fail' };
  if (raw === 'continue') return { mode: 'continue' };
  return { mode: 'threshold', maxFailures: numberAt(recordAt(raw, where)['maxFailures'], `${where}.maxFailures`) };
}

/*
 * Readers of the validated form. The schema already holds every shape they
 * read, so a value of another shape is a bug between the schema and this
 * file: it is reported as one, naming the place, rather than built on.
 */
function shapeError(where: string, expected: string): Error {
  return new TypeError(`workflow definition: ${where} is not ${expected}, though the schema passed it`);
}
function recordAt(value: unknown, where: string): Raw {
  if (isRecord(value)) return value;
  throw shapeError(where, 'an object');
}
function optionalRecord(value: unknown, where: string): Raw | undefined {
  return value === undefined ? undefined : recordAt(value, where);
}
function recordsAt(value: unknown, where: string): Raw[] {
  if (Array.isArray(value) && value.every(isRecord)) return value;
  throw shapeError(where, 'a list of objects');
}
function stringAt(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  throw shapeError(where, 'a string');
}
function optionalString(value: unknown, where: string): string | undefined {
  return value === undefined ? undefined : stringAt(value, where);
}
function numberAt(value: unknown, where: string): number {
  if (typeof value === 'number') return value;
  throw shapeError(where, 'a number');
}
function optionalNumber(value: unknown, where: string): number | undefined {
  return value === undefined ? undefined : numberAt(value, where);
}
function durationAt(value: unknown, where: string): string | number {
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw shapeError(where, 'a duration');
}
function memberAt<const T>(values: readonly T[], value: unknown, where: string): T {
  const found = oneOf(values, value);
  if (found === undefined) throw shapeError(where, `one of ${values.join(', ')}`);
  return found;
}
