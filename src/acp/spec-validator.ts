import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import spec from '../../schemas/acp/openapi.json' with { type: 'json' };
import type { AcpAgentManifest, AcpError, AcpEvent, AcpRun, AcpRunCreateRequest, AcpRunResumeRequest } from './wire-types.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object, the plugin its `default`.
const addFormats = ajvFormats.default;

/** The ACP document (openapi.yaml, ACP 0.2.0, as JSON) the schemas come from. */
export const ACP_OPENAPI: Readonly<Record<string, unknown>> = spec;

/** One way a value departs from an ACP schema. */
export interface AcpSchemaProblem {
  /** JSON pointer into the value (`/input/0/parts`). */
  path: string;
  message: string;
}

/** Component schemas of the ACP document, by name, with the wire type (wire-types.ts) each one describes. */
export interface AcpSchemaTypes {
  Run: AcpRun;
  Event: AcpEvent;
  Error: AcpError;
  AgentManifest: AcpAgentManifest;
  RunCreateRequest: AcpRunCreateRequest;
  RunResumeRequest: AcpRunResumeRequest;
}

/** Checks values against the component schemas of the ACP document. */
export interface AcpSpecValidator {
  /** The problems of `value` as a `components.schemas[name]`; empty when it fits. */
  check(name: string, value: unknown): AcpSchemaProblem[];
  /** `value` fits `components.schemas[name]`: it is the wire type of that name. */
  conforms<K extends keyof AcpSchemaTypes>(name: K, value: unknown): value is AcpSchemaTypes[K];
}

let validator: AcpSpecValidator | undefined;

/**
 * A validator over the ACP document's own component schemas, `$ref`s
 * resolved by ajv, compiled once per schema on first use. The document is
 * OpenAPI 3.1 but still writes `nullable: true` (an OpenAPI 3.0 keyword that
 * JSON Schema 2020-12 ignores); it is read as the authors meant it: the value
 * may also be null.
 */
export function acpSpecValidator(): AcpSpecValidator {
  if (validator !== undefined) return validator;
  const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false });
  addFormats(ajv);
  // OpenAPI's numeric formats are annotations here.
  ajv.addFormat('float', true);
  const components = (spec as { components: { schemas: Record<string, unknown> } }).components;
  ajv.addSchema({ $id: 'acp', components: { schemas: withNullable(components.schemas) } });
  const compiled = new Map<string, ValidateFunction>();
  const check = (name: string, value: unknown): AcpSchemaProblem[] => {
      let validate = compiled.get(name);
      if (validate === undefined) {
        if (!Object.hasOwn(components.schemas, name)) throw new Error(`the ACP document has no schema named ${name}`);
        validate = ajv.compile({ $ref: `acp#/components/schemas/${name}` });
        compiled.set(name, validate);
      }
      return validate(value) ? [] : (validate.errors ?? []).map(problemOf);
  };
  // Functions of their own, not methods: a caller may pass `check` on unbound.
  const conforms = <K extends keyof AcpSchemaTypes>(name: K, value: unknown): value is AcpSchemaTypes[K] => check(name, value).length === 0;
  validator = { check, conforms };
  return validator;
}

function problemOf(e: ErrorObject): AcpSchemaProblem {
  return { path: e.instancePath || '/', message: e.message ?? 'is invalid' };
}

/** `{ …, nullable: true }` → `{ anyOf: [{ … }, { type: 'null' }] }`, everywhere in the tree. */
function withNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withNullable);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  let nullable = false;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'nullable') nullable = v === true;
    else out[k] = withNullable(v);
  }
  return nullable ? { anyOf: [out, { type: 'null' }] } : out;
}
