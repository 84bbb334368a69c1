import type { ErrorObject } from 'ajv';

/**
 * How agentmesh words a JSON Schema violation about one field, for the
 * keywords every schema uses: the end of a sentence whose subject is the
 * field ("must be at most 64 characters long"). `typeWords` names the JSON
 * types for the audience (a registry client reads "an array", a workflow
 * author "a list"). Callers word their own keywords (formats, unknown
 * fields, `errorMessage` annotations) before falling back to this.
 */
export function describeSchemaError(error: ErrorObject, typeWords: Readonly<Record<string, string>>): string {
  const params: Readonly<Record<string, unknown>> = error.params;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'type':
      return `must be ${String(params['type'])
        .split(',')
        .map((t) => typeWords[t] ?? t)
        .join(' or ')}`;
    case 'enum':
      return `must be one of ${(params['allowedValues'] as unknown[]).map((v) => String(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params['allowedValue'])}`;
    case 'minItems':
      return `must list at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must list at most ${String(params['limit'])} items`;
    case 'uniqueItems':
      return `must not list the same value twice (items ${String(params['j'])} and ${String(params['i'])} are equal)`;
    case 'minLength':
      return params['limit'] === 1 ? 'must not be empty' : `must be at least ${String(params['limit'])} characters long`;
    case 'maxLength':
      return `must be at most ${String(params['limit'])} characters long`;
    case 'minimum':
      return `must be at least ${String(params['limit'])}`;
    case 'maximum':
      return `must be at most ${String(params['limit'])}`;
    case 'exclusiveMinimum':
      return `must be greater than ${String(params['limit'])}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(params['limit'])}`;
    case 'pattern':
      return `must match ${String(params['pattern'])}`;
    default:
      return error.message ?? 'is invalid';
  }
}
