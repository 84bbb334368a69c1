import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../../../schemas/workflow.schema.json' with { type: 'json' };
import { pointerToPath, type PathSegment } from './json-path.js';
import { describeSchemaError, isRecord } from '../../protocol/index.js';

/*
 * Validates the authoring form against the published schema
 * (schemas/workflow.schema.json, draft-07) and words ajv's errors for the
 * person who wrote the file:
 * - one message per problem: the sub-errors of a failed oneOf/anyOf and the
 *   `if` wrapper are folded into the schema's `errorMessage` annotation;
 * - a missing field is reported at the field (`steps[0].id is required`),
 *   an unknown one at its key, with the nearest known name when it looks
 *   like a typo.
 * `errorMessage` is either a sentence for every constraint of that schema
 * node or an object of sentences by keyword.
 */

/** The published JSON Schema of a workflow file (what editors and CI can validate against). */
export const WORKFLOW_SCHEMA: Readonly<Record<string, unknown>> = schema;

export interface SchemaProblem {
  path: PathSegment[];
  /** The path ends at a key that should not be there: report at the key. */
  key: boolean;
  message: string;
}

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (validator === undefined) {
    const ajv = new Ajv({ allErrors: true, strictSchema: true, strictNumbers: true, strictTypes: false, strictTuples: false, strictRequired: false, verbose: true, allowUnionTypes: true, logger: false });
    ajv.addKeyword({ keyword: 'errorMessage', schemaType: ['string', 'object'] });
    validator = ajv.compile(schema);
  }
  return validator;
}

/** Every way `data` departs from the workflow schema; empty when it fits. */
export function schemaProblems(data: unknown): SchemaProblem[] {
  const validate = compiled();
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  const folded = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const error of errors) {
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    if (folded.some((f) => f !== error && error.schemaPath.startsWith(`${f.schemaPath}/`) && error.instancePath.startsWith(f.instancePath))) continue;
    const problem = toProblem(error, data);
    const id = `${problem.path.join('\u0000')}\u0001${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push(problem);
  }
  return problems;
}

function toProblem(error: ErrorObject, data: unknown): SchemaProblem {
  const params: Readonly<Record<string, unknown>> = error.params;
  const path = pointerToPath(error.instancePath, data);
  const propertyName = (error as { propertyName?: string }).propertyName;
  if (propertyName !== undefined) return { path: [...path, propertyName], key: true, message: describe(error) };
  switch (error.keyword) {
    case 'required':
      return { path: [...path, String(params['missingProperty'])], key: false, message: describe(error) };
    case 'dependencies':
      return { path: [...path, String(params['missingProperty'])], key: false, message: describe(error) };
    case 'additionalProperties':
      return { path: [...path, String(params['additionalProperty'])], key: true, message: unknownField(String(params['additionalProperty']), error) };
    default:
      return { path, key: false, message: describe(error) };
  }
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object (a map of keys)',
  null: 'null',
};

/** Keywords whose generic wording is already the best one; a string errorMessage does not replace them. */
const PLAIN_KEYWORDS = new Set(['type', 'required', 'additionalProperties', 'enum']);

function custom(error: ErrorObject): string | undefined {
  const annotation = (error.parentSchema as { errorMessage?: unknown } | undefined)?.errorMessage;
  if (typeof annotation === 'string') return PLAIN_KEYWORDS.has(error.keyword) ? undefined : annotation;
  if (isRecord(annotation)) {
    const sentence = annotation[error.keyword];
    return typeof sentence === 'string' ? sentence : undefined;
  }
  return undefined;
}

function describe(error: ErrorObject): string {
  const sentence = custom(error);
  if (sentence !== undefined) return sentence;
  const params: Readonly<Record<string, unknown>> = error.params;
  if (error.keyword === 'dependencies') return `is required when ${String(params['property'])} is present`;
  return describeSchemaError(error, TYPE_WORDS);
}

/** `is not a known field`, with the closest known name when it looks like a typo. */
function unknownField(name: string, error: ErrorObject): string {
  const known = Object.keys((error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
  const guess = closest(name, known);
  if (guess !== undefined) return `is not a known field (did you mean ${guess}?)`;
  return known.length > 0 && known.length <= 12 ? `is not a known field (expected one of ${known.join(', ')})` : 'is not a known field';
}

function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance; names here are short. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
