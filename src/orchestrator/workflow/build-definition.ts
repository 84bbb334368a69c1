import { parseDuration } from './duration.js';
import { hasTemplate } from './template-scanner.js';
import type { PathSegment } from './json-path.js';
import type { CallTarget, JoinPolicy, MapFailurePolicy, RetryPolicy, Step, StepBase, WorkflowDefinition, WorkflowInput } from './workflow-definition.js';

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
export type Locate = (path: PathSegment[]) => { line: number; column: number } | undefined;

export function buildDefinition(raw: Raw, source: string, locate: Locate): WorkflowDefinition {
  const inputs: Record<string, WorkflowInput> = {};
  for (const [name, spec] of Object.entries((raw['inputs'] ?? {}) as Record<string, Raw>)) {
    const { default: fallback, description, ...schema } = spec;
    inputs[name] = {
      schema,
      ...(typeof description === 'string' ? { description } : {}),
      ...(fallback === undefined ? {} : { default: fallback }),
      required: fallback === undefined,
    };
  }
  const def: WorkflowDefinition = {
    name: raw['name'] as string,
    ...(typeof raw['description'] === 'string' ? { description: raw['description'] } : {}),
    ...(raw['version'] === undefined ? {} : { version: String(raw['version']) }),
    ...(Array.isArray(raw['tags']) ? { tags: raw['tags'] as string[] } : {}),
    inputs,
    steps: (raw['steps'] as Raw[]).map((step, i) => buildStep(step, ['steps', i], locate)),
    ...(raw['outputs'] === undefined ? {} : { outputs: raw['outputs'] as Record<string, unknown> }),
    source,
  };
  return deepFreeze(def);
}

function buildStep(raw: Raw, path: PathSegment[], locate: Locate, defaultId?: string): Step {
  const base: StepBase = { id: (raw['id'] as string | undefined) ?? defaultId ?? '' };
  if (typeof raw['when'] === 'string') base.when = braced(raw['when']);
  if (raw['timeout'] !== undefined) base.timeoutMs = parseDuration(raw['timeout'] as string | number);
  if (raw['retry'] !== undefined) base.retry = buildRetry(raw['retry'] as Raw);
  const where = locate(path);
  if (where !== undefined) base.source = where;
  const children = (key: string, list: unknown): Step[] => (list as Raw[]).map((s, i) => buildStep(s, [...path, key, i], locate));
  if (raw['call'] !== undefined) return { ...base, kind: 'call', call: raw['call'] as CallTarget, input: raw['input'] ?? null };
  if (raw['sequence'] !== undefined) return { ...base, kind: 'sequence', steps: children('sequence', raw['sequence']) };
  if (raw['fallback'] !== undefined) return { ...base, kind: 'fallback', steps: children('fallback', raw['fallback']) };
  if (raw['parallel'] !== undefined) {
    const parallel = raw['parallel'] as Raw;
    const steps = (parallel['steps'] as Raw[]).map((s, i) => buildStep(s, [...path, 'parallel', 'steps', i], locate));
    const join = (parallel['join'] as JoinPolicy | undefined) ?? WORKFLOW_DEFAULTS.joinPolicy;
    return { ...base, kind: 'parallel', join, ...(join === 'quorum' ? { quorum: parallel['quorum'] as number } : {}), steps };
  }
  const map = raw['map'] as Raw;
  const batchSize = (map['batchSize'] as number | undefined) ?? WORKFLOW_DEFAULTS.mapBatchSize;
  return {
    ...base,
    kind: 'map',
    over: braced(map['over'] as string),
    batchSize,
    concurrency: (map['concurrency'] as number | undefined) ?? WORKFLOW_DEFAULTS.mapConcurrency,
    mode: (map['mode'] as 'item' | 'batch' | undefined) ?? (batchSize > 1 ? 'batch' : 'item'),
    onFailure: buildFailurePolicy(map['onFailure']),
    step: buildStep(map['step'] as Raw, [...path, 'map', 'step'], locate, WORKFLOW_DEFAULTS.mapStepId),
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

function buildRetry(raw: Raw): RetryPolicy {
  return {
    attempts: raw['attempts'] as number,
    backoffMs: raw['backoff'] === undefined ? WORKFLOW_DEFAULTS.retryBackoffMs : parseDuration(raw['backoff'] as string | number),
    maxBackoffMs: raw['maxBackoff'] === undefined ? WORKFLOW_DEFAULTS.retryMaxBackoffMs : parseDuration(raw['maxBackoff'] as string | number),
  };
}

function buildFailurePolicy(raw: unknown): MapFailurePolicy {
  if (raw === undefined || raw === 'fail') return { mode: 'fail' };
  if (raw === 'continue') return { mode: 'continue' };
  return { mode: 'threshold', maxFailures: (raw as Raw)['maxFailures'] as number };
}

/** Definitions are shared by every run of a workflow: nothing may change them. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
