import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { describeSchemaError, type FieldViolation, isRecord, parseGrpcTarget } from '../../protocol/index.js';

/*
 * One ajv setup for the registry's own schemas (cards, metadata), and the
 * translation of ajv's errors into violations a person can act on:
 * `skills[1].id is required`, not `/skills/1 must have required property 'id'`.
 *
 * Schemas may carry `errorMessage`, an annotation this file reads: the
 * sentence to show when a constraint of that node (minItems, pattern,
 * maxProperties, …) fails, instead of ajv's generic wording.
 */

/** Absolute http(s) URL with a host. */
function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

/**
 * An ajv instance that reports every problem (allErrors) and knows the
 * `http-url` format (absolute http(s) URL) and `optional-http-url` (the same,
 * or the empty string: ProtoJSON writes an unset string field as `""`) and
 * `grpc-interface-url` (an http(s) URL, the form A2A's AgentInterface
 * documents, or a `host:port` gRPC target, the form gRPC clients dial).
 */
export function createSchemaAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  ajv.addFormat('http-url', { type: 'string', validate: isHttpUrl });
  ajv.addFormat('optional-http-url', { type: 'string', validate: (s: string) => s === '' || isHttpUrl(s) });
  ajv.addFormat('grpc-interface-url', { type: 'string', validate: (s: string) => isHttpUrl(s) || parseGrpcTarget(s) !== undefined });
  return ajv;
}

/** Renders a JSON pointer as `skills[1].id`, walking `data` so array indexes and map keys are told apart. */
export function fieldPath(pointer: string, data: unknown, prefix = ''): string {
  let path = prefix;
  let node: unknown = data;
  const segments = pointer === '' ? [] : pointer.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  for (const segment of segments) {
    if (Array.isArray(node)) {
      path += `[${segment}]`;
      node = node[Number(segment)];
      continue;
    }
    path += /^[A-Za-z_$][\w$-]*$/.test(segment) ? `${path === '' ? '' : '.'}${segment}` : `[${JSON.stringify(segment)}]`;
    node = isRecord(node) ? node[segment] : undefined;
  }
  return path;
}

/** `field` joined with a child key, in the same notation as {@link fieldPath}. */
export function childPath(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

const FORMAT_WORDS: Readonly<Record<string, string>> = {
  'http-url': 'must be an absolute http(s) URL',
  'optional-http-url': 'must be an absolute http(s) URL',
  'grpc-interface-url': 'must be a gRPC target (host:port) or an absolute http(s) URL',
};

function describe(error: ErrorObject): string {
  const params: Readonly<Record<string, unknown>> = error.params;
  const custom = (error.parentSchema as { errorMessage?: unknown } | undefined)?.errorMessage;
  switch (error.keyword) {
    case 'additionalProperties':
      return 'is not a known field';
    case 'format':
      return FORMAT_WORDS[String(params['format'])] ?? `must be a valid ${String(params['format'])}`;
    // The generic wording of these beats an errorMessage written for the field's other rules.
    case 'required':
    case 'type':
    case 'enum':
      return describeSchemaError(error, TYPE_WORDS);
  }
  return typeof custom === 'string' ? custom : describeSchemaError(error, TYPE_WORDS);
}

/** The field an error is about: the missing or unknown property itself, not its parent. */
function fieldOf(error: ErrorObject, data: unknown, prefix: string): string {
  const params: Readonly<Record<string, unknown>> = error.params;
  const base = fieldPath(error.instancePath, data, prefix);
  if (error.keyword === 'required') return childPath(base, String(params['missingProperty']));
  if (error.keyword === 'additionalProperties') return childPath(base, String(params['additionalProperty']));
  return base === '' ? (prefix === '' ? '(root)' : prefix) : base;
}

/**
 * Runs a compiled validator and returns every problem as a violation, with
 * fields in `skills[1].id` notation (prefixed by `prefix`, e.g. `metadata`).
 */
export function schemaViolations(validate: ValidateFunction, data: unknown, prefix = ''): FieldViolation[] {
  if (validate(data)) return [];
  const seen = new Set<string>();
  const violations: FieldViolation[] = [];
  for (const error of validate.errors ?? []) {
    // `if` only says which branch failed; that branch's own error names the field.
    if (error.keyword === 'if') continue;
    const violation = { field: fieldOf(error, data, prefix), description: describe(error) };
    const key = `${violation.field}\u0000${violation.description}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push(violation);
  }
  return violations;
}
