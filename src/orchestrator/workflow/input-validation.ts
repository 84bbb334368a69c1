import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { type AgentmeshError, type FieldViolation, Errors, errorMessage } from '../../protocol/index.js';
import { isPlainObject } from './expression-values.js';
import { formatPath, pointerToPath } from './json-path.js';
import type { WorkflowDefinition } from './workflow-definition.js';

/*
 * The inputs of a workflow as one JSON Schema (it becomes the registered
 * skill's input schema) and the check of a run's inputs against it: every
 * problem reported at once, defaults applied, unknown inputs refused.
 *
 * Input schemas are compiled strictly (an unknown keyword such as `tpye`
 * deep inside `items` is an error, not an annotation) with the standard
 * formats known. Ajv keeps every schema it compiles, so validators are
 * cached per definition and the instance is replaced after RECYCLE_AFTER
 * compilations: inline workflows sent with each run would otherwise grow it
 * without bound.
 */

const RECYCLE_AFTER = 500;
// ajv-formats is CommonJS: under NodeNext its default import is the module object, the plugin its `default`.
const addFormats = ajvFormats.default;

let instance: Ajv | undefined;
let compilations = 0;
const validators = new WeakMap<WorkflowDefinition, ValidateFunction>();

function ajv(): Ajv {
  if (instance === undefined || compilations >= RECYCLE_AFTER) {
    instance = addFormats(
      new Ajv({ allErrors: true, strictSchema: true, strictNumbers: true, strictTypes: false, strictTuples: false, strictRequired: false, allowUnionTypes: true, useDefaults: true, logger: false }),
    );
    compilations = 0;
  }
  return instance;
}

function compile(schema: Record<string, unknown>): ValidateFunction {
  compilations++;
  return ajv().compile(schema);
}

/** Why an input's schema does not compile, or undefined when it does. */
export function inputSchemaProblem(schema: Record<string, unknown>): string | undefined {
  try {
    compile(schema);
    return undefined;
  } catch (err) {
    return `is not a valid JSON Schema: ${errorMessage(err).replace(/^strict mode: /, '')}`;
  }
}

/** Why `value` does not fit `schema` (an input's default), or undefined when it does. */
export function valueProblem(schema: Record<string, unknown>, value: unknown): string | undefined {
  let validate: ValidateFunction;
  try {
    validate = compile(schema);
  } catch {
    return undefined; // reported by inputSchemaProblem
  }
  if (validate(structuredClone(value))) return undefined;
  return (validate.errors ?? []).map((e) => `${e.instancePath === '' ? '' : `${e.instancePath} `}${e.message ?? 'is invalid'}`).join('; ');
}

/**
 * The JSON Schema of a workflow's inputs object: each input's schema with
 * its description and default, required = inputs without a default, and no
 * other properties.
 *
 * @example
 * workflowInputSchema(def)
 * // { type: 'object', properties: { leadIds: { type: 'array', … } }, required: ['leadIds'], additionalProperties: false }
 */
export function workflowInputSchema(def: WorkflowDefinition): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, input] of Object.entries(def.inputs)) {
    properties[name] = {
      ...structuredClone(input.schema),
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.default === undefined ? {} : { default: structuredClone(input.default) }),
    };
    if (input.required) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/**
 * Checks a run's inputs against the workflow's and returns them with defaults
 * applied (a new object; the argument is not changed). Throws AgentmeshError
 * `AM_ERR_PROTOCOL_INVALID_PARAMS` whose `violations` name every problem
 * (`inputs.top must be integer`, `inputs.extra is not an input of …`).
 *
 * @example
 * validateWorkflowInputs(def, { leadIds: ['l1'] }) // → { leadIds: ['l1'], top: 10 }
 */
export function validateWorkflowInputs(def: WorkflowDefinition, inputs: unknown): Record<string, unknown> {
  if (inputs !== undefined && inputs !== null && !isPlainObject(inputs)) {
    throw invalidInputs(def, [{ field: 'inputs', description: 'must be an object of named inputs' }]);
  }
  const given = isPlainObject(inputs) ? inputs : {};
  let copy: Record<string, unknown>;
  try {
    copy = structuredClone(given);
  } catch {
    throw invalidInputs(def, [{ field: 'inputs', description: 'must hold JSON values only' }]);
  }
  let validate = validators.get(def);
  if (validate === undefined) {
    validate = compile(workflowInputSchema(def));
    validators.set(def, validate);
  }
  if (validate(copy)) return copy;
  throw invalidInputs(def, violations(def, validate.errors ?? [], copy));
}

function violations(def: WorkflowDefinition, errors: ErrorObject[], data: unknown): FieldViolation[] {
  const seen = new Set<string>();
  const out: FieldViolation[] = [];
  for (const error of errors) {
    const params: Readonly<Record<string, unknown>> = error.params;
    const path = ['inputs', ...pointerToPath(error.instancePath, data)];
    let violation: FieldViolation;
    if (error.keyword === 'required') {
      violation = { field: formatPath([...path, String(params['missingProperty'])]), description: 'is required' };
    } else if (error.keyword === 'additionalProperties' && error.instancePath === '') {
      const known = Object.keys(def.inputs);
      const listed = known.length > 0 ? ` (inputs: ${known.join(', ')})` : ' (it takes none)';
      violation = { field: formatPath([...path, String(params['additionalProperty'])]), description: `is not an input of workflow ${def.name}${listed}` };
    } else {
      violation = { field: formatPath(path), description: error.message ?? 'is invalid' };
    }
    const id = `${violation.field}\u0000${violation.description}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(violation);
  }
  return out;
}

function invalidInputs(def: WorkflowDefinition, list: FieldViolation[]): AgentmeshError {
  return Errors.workflowInputsInvalid({ workflow: def.name, problems: list.map((v) => `${v.field} ${v.description}`).join('; ') }, { violations: list });
}
